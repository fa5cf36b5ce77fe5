import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { loadStackConfig, stackEndpoints, type StackConfig } from './config.ts';
import { StackError } from './errors.ts';
import { portInUse } from './ports.ts';
import { logFileOf, pidFileOf, withTimeout, type StackServer } from './server.ts';
import { SERVERS } from './servers/index.ts';

// kafkajs 2.2 schedules negative timeouts on Node 22+ (a harmless TimeoutNegativeWarning on every
// probe); keep every other warning.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning')
    console.warn(`${warning.name}: ${warning.message}`);
});

const USAGE = `usage: npm run stack -- <command>
  up [server...]      install what is missing, start what is not running, wait until each answers
  down [server...]    stop the servers this stack started (pid files)
  status              each server, its URL and whether it answers
  logs <server> [-f]  the last lines of a server's log (-f follows)
  env                 the connection settings, as environment variables
  reset               down, then delete all data (downloads and builds are kept)
servers: ${SERVERS.map((s) => s.name).join(', ')}`;

const STOP_GRACE_MS: Record<string, number> = { kafka: 30_000, elasticsearch: 30_000 };
const elapsed = (t0: number): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

function select(names: readonly string[]): StackServer[] {
  if (names.length === 0) return [...SERVERS];
  return names.map((n) => {
    const server = SERVERS.find((s) => s.name === n);
    if (server === undefined)
      throw new StackError(
        `unknown server "${n}"; servers: ${SERVERS.map((s) => s.name).join(', ')}`,
      );
    return server;
  });
}

function portsOf(cfg: StackConfig, server: StackServer): number[] {
  switch (server.name) {
    case 'mariadb':
      return [cfg.mariadb.port];
    case 'redis':
      return [cfg.redis.port];
    case 'kafka':
      return [cfg.kafka.port, cfg.kafka.controllerPort];
    case 'elasticsearch':
      return [cfg.elasticsearch.port, cfg.elasticsearch.transportPort];
    case 'ferretdb':
      return [cfg.ferretdb.port];
    case 'mail':
      return [cfg.mail.smtpPort, cfg.mail.httpPort];
    default:
      return [];
  }
}

async function upOne(cfg: StackConfig, server: StackServer): Promise<string> {
  const t0 = Date.now();
  const deadline = t0 + server.startTimeoutMs;
  let restarted = '';
  if (pidFileOf(cfg, server.name).alive() !== undefined) {
    await server.waitReady(cfg, deadline);
    const why = await server.outdated?.(cfg);
    if (why === undefined)
      return `${server.name.padEnd(14)} already running, answers (${elapsed(t0)})`;
    console.log(`${server.name.padEnd(14)} restarting: ${why}`);
    await pidFileOf(cfg, server.name).stop(STOP_GRACE_MS[server.name] ?? 10_000);
    restarted = 're';
  }
  await server.install(cfg);
  const installed = elapsed(t0);
  for (const port of portsOf(cfg, server)) {
    if (await portInUse(port)) {
      throw new StackError(
        `${server.name}: port ${port} is taken by a process this stack did not start; stop it or override the port (see packages/stack/src/config.ts)`,
      );
    }
  }
  await server.start(cfg);
  await server.waitReady(cfg, Date.now() + server.startTimeoutMs);
  return `${server.name.padEnd(14)} ${restarted}started, answers at ${server.url(cfg)} (install ${installed}, total ${elapsed(t0)})`;
}

async function up(cfg: StackConfig, names: readonly string[]): Promise<void> {
  const t0 = Date.now();
  for (const dir of [cfg.dataDir, cfg.logDir, cfg.runDir, cfg.confDir, cfg.cacheDir])
    mkdirSync(dir, { recursive: true });
  const results = await Promise.allSettled(select(names).map((s) => upOne(cfg, s)));
  const failures: string[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') console.log(r.value);
    else failures.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
  }
  if (failures.length > 0) {
    for (const f of failures) console.error(`stack: ${f}`);
    throw new StackError(`up failed for ${failures.length} server(s) after ${elapsed(t0)}`);
  }
  console.log(`stack up in ${elapsed(t0)}`);
}

async function down(cfg: StackConfig, names: readonly string[]): Promise<void> {
  for (const server of select(names).reverse()) {
    const stopped = await pidFileOf(cfg, server.name).stop(STOP_GRACE_MS[server.name] ?? 10_000);
    console.log(`${server.name.padEnd(14)} ${stopped ? 'stopped' : 'was not running'}`);
  }
}

async function status(cfg: StackConfig): Promise<boolean> {
  const rows = await Promise.all(
    SERVERS.map(async (server) => {
      const pid = pidFileOf(cfg, server.name).alive()?.pid;
      let state: string;
      let ok = false;
      try {
        await withTimeout(10_000, server.name, server.probe(cfg));
        state = pid === undefined ? 'answers (not started by this stack)' : 'answers';
        ok = pid !== undefined;
      } catch (err) {
        state =
          pid === undefined
            ? 'stopped'
            : `running but not answering: ${(err as Error).message.split('\n')[0]}`;
      }
      return {
        line: `${server.name.padEnd(14)} ${(pid === undefined ? '-' : `pid ${pid}`).padEnd(12)} ${server.url(cfg).padEnd(58)} ${state}`,
        ok,
      };
    }),
  );
  for (const r of rows) console.log(r.line);
  return rows.every((r) => r.ok);
}

function logs(cfg: StackConfig, args: readonly string[]): Promise<void> {
  const follow = args.includes('-f');
  const [server] = select(args.filter((a) => a !== '-f'));
  if (server === undefined || args.filter((a) => a !== '-f').length !== 1)
    throw new StackError('logs takes one server name');
  const file = logFileOf(cfg, server.name);
  if (!existsSync(file)) throw new StackError(`${server.name} has no log yet (${file})`);
  return new Promise((resolve) => {
    spawn('tail', ['-n', '100', ...(follow ? ['-F'] : []), file], { stdio: 'inherit' }).on(
      'close',
      () => resolve(),
    );
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const cfg = loadStackConfig();
  switch (command) {
    case 'up':
      await up(cfg, rest);
      return 0;
    case 'down':
      await down(cfg, rest);
      return 0;
    case 'status':
      return (await status(cfg)) ? 0 : 3;
    case 'logs':
      await logs(cfg, rest);
      return 0;
    case 'env':
      for (const [k, v] of Object.entries(stackEndpoints(cfg))) console.log(`${k}=${v}`);
      return 0;
    case 'reset':
      await down(cfg, []);
      for (const dir of [cfg.dataDir, cfg.confDir, cfg.runDir])
        rmSync(dir, { recursive: true, force: true });
      console.log(`deleted data under ${cfg.stackDir}`);
      return 0;
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
  // Probe clients (kafkajs, mongodb) may leave sockets closing in the background.
  process.exit();
} catch (err) {
  if (err instanceof StackError) console.error(`stack: ${err.message}`);
  else
    console.error(
      `stack: unexpected error: ${err instanceof Error ? err.message : String(err)}${process.env.STACK_DEBUG ? `\n${(err as Error).stack}` : ' (STACK_DEBUG=1 for details)'}`,
    );
  process.exitCode = 1;
}
