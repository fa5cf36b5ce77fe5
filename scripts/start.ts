// `npm start`: start the local stack, build, in development run every workspace's `dev-seed`
// script one after the other (demo data such as delivery's partners and partner login, made before
// any service runs so that no two processes migrate one database at once), then run every `start`
// script of every workspace (subgraphs, gateway, workers), and every `start:<name>` script for a
// workspace with more than one process (sagas: the orchestrator and `start:notifications`), with
// prefixed output. Ctrl-C stops them all.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot, workspaces } from './workspaces.ts';

const node = process.execPath;
for (const [name, args] of [
  ['stack up', ['packages/stack/src/cli.ts', 'up']],
  ['build', ['node_modules/turbo/bin/turbo', 'run', 'build', '--output-logs=errors-only']],
] as const) {
  console.log(`== ${name}`);
  if (spawnSync(node, [...args], { cwd: repoRoot, stdio: 'inherit' }).status !== 0) process.exit(1);
}

// Unset NODE_ENV means production in every service; `npm start` is development unless the shell
// says otherwise (Sandbox, introspection, the committed development keys, demo data).
const nodeEnv = process.env.NODE_ENV ?? 'development';
if (nodeEnv === 'development')
  for (const ws of workspaces().filter((w) => 'dev-seed' in w.scripts)) {
    console.log(`== dev-seed ${path.relative(repoRoot, ws.dir)}`);
    const seeded = spawnSync('npm', ['run', '--silent', 'dev-seed'], {
      cwd: ws.dir,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: nodeEnv },
    });
    // Demo data is a convenience: the services start without it.
    if (seeded.status !== 0) console.log(`dev-seed ${ws.name} failed (${seeded.status}); going on`);
  }

const services = workspaces().flatMap((ws) =>
  Object.entries(ws.scripts)
    .filter(([name]) => /^start(:[\w-]+)?$/.test(name))
    .map(([name, script]) => ({
      ws,
      label: name === 'start' ? '' : name.slice('start'.length),
      script,
    })),
);
if (services.length === 0) {
  console.log('the stack is up; no service declares a start script yet');
  process.exit(0);
}

const children: ChildProcess[] = [];
let stopping = false;
for (const { ws, label: suffix, script } of services) {
  const label = `${path.relative(repoRoot, ws.dir)}${suffix}`.padEnd(24);
  // The start script runs under `sh` (not `npm run`, which puts the script in a process group of
  // its own) in a group this process leads, so stopping the group reaches the node process.
  const child = spawn('sh', ['-c', `exec ${script}`], {
    cwd: ws.dir,
    env: {
      ...process.env,
      NODE_ENV: nodeEnv,
      PATH: `${path.join(repoRoot, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) console.log(`${label} | ${line}`);
    });
  }
  child.on('exit', (code, signal) => {
    console.log(`${label} | exited with ${code ?? signal}`);
    if (!stopping) stop(1);
  });
  children.push(child);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function stop(code: number): void {
  stopping = true;
  for (const child of children) signalGroup(child, 'SIGTERM');
  setTimeout(() => children.forEach((c) => signalGroup(c, 'SIGKILL')), 4000).unref();
  setTimeout(() => process.exit(code), 5000).unref();
  void Promise.all(
    children.map(
      (c) =>
        new Promise((r) =>
          c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r),
        ),
    ),
  ).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
