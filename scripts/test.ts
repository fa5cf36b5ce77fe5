// `npm test`: start the local stack, build every workspace, run every test file against the real
// servers, and end with the line `N passed, N failed`.
//   npm test                     everything
//   npm test -- subgraphs/users  only test files under that path
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, workspaces } from './workspaces.ts';

const filters = process.argv.slice(2).map((f) => path.resolve(f));
const node = process.execPath;

function phase(name: string, command: string, args: string[]): void {
  const t0 = Date.now();
  console.log(`\n== ${name}`);
  const res = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  console.log(`== ${name}: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  if (res.status !== 0) {
    console.error(`${name} failed (exit ${res.status ?? res.signal})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

phase('stack up', node, ['packages/stack/src/cli.ts', 'up']);
phase('build', node, ['node_modules/turbo/bin/turbo', 'run', 'build', '--output-logs=errors-only']);

// tsc never deletes what a removed source compiled to: run only tests whose source still exists.
const hasSource = (dir: string, compiled: string): boolean =>
  existsSync(path.join(dir, compiled.replace(/^dist\//, '').replace(/\.js$/, '.ts')));
const files = workspaces()
  .flatMap((ws) =>
    globSync(['dist/src/**/*.spec.js', 'dist/test/**/*.test.js'], { cwd: ws.dir })
      .filter((f) => hasSource(ws.dir, f))
      .map((f) => path.join(ws.dir, f)),
  )
  .filter((f) => filters.length === 0 || filters.some((prefix) => f.startsWith(prefix)))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const summaryFile = path.join(mkdtempSync(path.join(tmpdir(), 'shop-test-')), 'summary.txt');
const t0 = Date.now();
console.log(`\n== tests (${files.length} files)`);
const res = spawnSync(
  node,
  [
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '3'}`,
    '--test-timeout=600000',
    // A file whose tests are done but which leaks a handle (a client left open) must not hang CI.
    '--test-force-exit',
    // ...but force-exit alone cuts a file's last results off its stdout (see the preload).
    `--import=${pathToFileURL(path.join(repoRoot, 'scripts', 'flush-before-exit.mjs')).href}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(repoRoot, 'scripts', 'summary-reporter.mjs')}`,
    `--test-reporter-destination=${summaryFile}`,
    ...files,
  ],
  {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'test', SHOP_TEST_FILES: JSON.stringify(files) },
  },
);
console.log(`== tests: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
let summary = '0 passed, 1 failed';
try {
  summary = readFileSync(summaryFile, 'utf8').trim() || summary;
} catch {
  // the runner died before reporting
}
// The summary file may hold "unfinished:" and skipped/todo lines before the closing one: print it
// as it is. A file that never finished fails the run even when node:test itself exited 0.
console.log(summary);
const failed = Number(/(\d+) failed\s*$/.exec(summary)?.[1] ?? 1);
process.exit(failed > 0 ? res.status || 1 : (res.status ?? 1));
