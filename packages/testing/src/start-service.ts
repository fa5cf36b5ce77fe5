import { spawnNode, type Child, type LogEntry } from './child-process.js';

/** Options for {@link startService}. */
export interface StartServiceOptions {
  /** The service's working directory. @default the test process's */
  readonly cwd?: string;
  /** How long the service may take to log `listening`. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * Whether the service sees the test process's environment beneath `env`. Off, it gets only PATH
   * and what the test passes, so a setting in the developer's shell (a `LOG_LEVEL`, a database
   * URL) cannot change what a test sees.
   * @default false
   */
  readonly inheritEnv?: boolean;
}

/** A service process that has logged `{"msg":"listening","port":N}`. */
export interface RunningService {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>`, without a path. */
  readonly url: string;
  readonly child: Child;
  /** The JSON lines it has written to stdout so far (its log), growing while it runs. */
  readonly logs: readonly LogEntry[];
  /**
   * SIGTERM, then SIGKILL if it has not exited after `graceMs`.
   * @param graceMs @default 10000
   */
  stop(graceMs?: number): Promise<void>;
}

const isListening = (entry: LogEntry): boolean =>
  entry.msg === 'listening' && typeof entry.port === 'number';

/**
 * Spawns `node <script>` and resolves once it logs `{"msg":"listening","port":N}`. The service
 * gets `PORT=0` and `HOST=127.0.0.1` unless `env` says otherwise, so it listens on a free loopback
 * port. It is registered with `killAll`, and killed when the test process exits.
 *
 * Rejects, naming the service and quoting its stderr tail and last stdout lines, when it exits
 * before listening or does not listen within `timeoutMs` (it is then stopped).
 */
export async function startService(
  name: string,
  script: string,
  env: Record<string, string>,
  options: StartServiceOptions = {},
): Promise<RunningService> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawnNode(
    script,
    { PORT: '0', HOST: '127.0.0.1', ...env },
    { cwd: options.cwd, inheritEnv: options.inheritEnv ?? false },
  );
  let listening: LogEntry;
  try {
    listening = await child.waitForLog(isListening, 'a "listening" log line', timeoutMs);
  } catch (err) {
    const exitCode = child.proc.exitCode ?? child.proc.signalCode;
    if (exitCode === null) await child.stop(2_000);
    const what =
      exitCode === null
        ? `did not log "listening" within ${timeoutMs} ms`
        : `exited (${exitCode}) before logging "listening"`;
    throw new Error(
      `${name} (${script}) ${what}\n` +
        `--- stderr (tail)\n${child.stderr.slice(-8_000)}\n` +
        `--- last stdout lines\n${child.lines.slice(-10).join('\n')}`,
      { cause: err },
    );
  }
  const port = listening.port as number;
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    logs: child.logs,
    stop: async (graceMs?: number) => {
      await child.stop(graceMs);
    },
  };
}
