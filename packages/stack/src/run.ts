import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.ts';

/** Runs a command to completion; its output goes to `logFile` when given, else is collected. */
export async function run(
  command: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; what: string; input?: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      // No input: stdin is closed, so a child that reads it (a prompt) ends instead of hanging.
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => reject(new StackError(`${opts.what}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else {
        const tail = out.trim().split('\n').slice(-5).join(' | ');
        reject(new StackError(`${opts.what} failed (exit ${code}): ${tail}`));
      }
    });
    if (opts.input !== undefined && child.stdin !== null) {
      // A child that exits without reading its input must not crash us with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

/** The absolute path of an executable on PATH (or an absolute candidate), else undefined. */
export function which(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs];
  for (const dir of name.includes('/') ? [''] : dirs) {
    const candidate = dir === '' ? name : path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

export function requireTool(name: string, purpose: string, hint: string): string {
  const found = which(name);
  if (found === undefined)
    throw new StackError(`${name} not found on PATH (needed ${purpose}); ${hint}`);
  return found;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

let aptUpdated = false;
// apt-get holds the dpkg lock: servers installing in parallel take turns.
let aptQueue: Promise<unknown> = Promise.resolve();

/** Installs Debian packages when we may (root with apt-get); otherwise says what to install. */
export async function ensureDebianPackages(
  binary: string,
  packages: readonly string[],
  purpose: string,
): Promise<string> {
  if (existsSync(binary)) return binary;
  if (!isRoot() || which('apt-get') === undefined) {
    throw new StackError(
      `${binary} not found (needed ${purpose}); install the Debian package(s) ${packages.join(' ')}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = aptQueue.then(async () => {
    if (!aptUpdated) {
      await run('apt-get', ['update', '-qq'], { env, what: 'apt-get update' });
      aptUpdated = true;
    }
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      env,
      what: `apt-get install ${packages.join(' ')}`,
    });
  });
  aptQueue = install.catch(() => undefined);
  await install;
  if (!existsSync(binary))
    throw new StackError(`${binary} still missing after installing ${packages.join(' ')}`);
  return binary;
}
