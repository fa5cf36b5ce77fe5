import type { Logger } from 'pino';

export interface ShutdownHook {
  readonly name: string;
  readonly close: () => Promise<void> | void;
}

export interface GracefulShutdownOptions {
  readonly logger: Logger;
  /** Closed in reverse order of registration: servers first, then the connections they use. */
  readonly hooks: readonly ShutdownHook[];
  /** Past this, the process exits with code 1 even if a hook hangs. @default 15000 */
  readonly timeoutMs?: number;
  /** @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
  /** @default process.exit */
  readonly exit?: (code: number) => void;
}

/**
 * Installs signal handlers that close every hook once, in reverse order, then exit. Returns the
 * shutdown function so tests and fatal-error paths can call it directly.
 */
export function installGracefulShutdown(
  options: GracefulShutdownOptions,
): (reason: string) => Promise<void> {
  const { logger, hooks } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let running: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    running ??= (async () => {
      logger.info({ reason }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error({ timeoutMs: options.timeoutMs ?? 15_000 }, 'shutdown timed out');
        exit(1);
      }, options.timeoutMs ?? 15_000);
      timer.unref();
      let code = 0;
      for (const hook of [...hooks].reverse()) {
        try {
          await hook.close();
        } catch (err) {
          code = 1;
          logger.error({ err, hook: hook.name }, 'shutdown hook failed');
        }
      }
      clearTimeout(timer);
      logger.info({ code }, 'shutdown complete');
      exit(code);
    })();
    return running;
  };

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => void shutdown(signal));
  }
  return shutdown;
}
