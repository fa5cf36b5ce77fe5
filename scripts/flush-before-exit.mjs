// Preloaded (`--import`) into every test file's process by scripts/test.ts.
//
// With `--test-force-exit`, node:test ends a test file's process with `process.exit()` as soon as
// its reporter stream has been piped into stdout, not once stdout has written it: the parent then
// reads a cut stream and loses the file's last results, or its closing summary, without counting
// a failure (nodejs/node#64833; seen in our CI as an "unfinished" spec file and as a file whose
// last 22 results vanished). Until node flushes first, hold the exit until stdout has written
// everything queued before it: a write's callback runs only after every earlier write's. A stdout
// that never drains (a parent that stopped reading) still exits after FLUSH_LIMIT_MS.
const FLUSH_LIMIT_MS = 10_000;
const exit = process.exit.bind(process);
let exiting = false;

process.exit = (code) => {
  if (code !== undefined) process.exitCode = code;
  if (exiting) return undefined;
  exiting = true;
  const stdout = process.stdout;
  if (stdout.writableLength === 0 || stdout.destroyed) return exit();
  setTimeout(exit, FLUSH_LIMIT_MS).unref();
  stdout.write('', () => exit());
  return undefined;
};
