// Preloaded (`--import`) into every test file's process by scripts/test.ts (the `node --test`
// parent does not load it; processes a test file spawns get it only if given its execArgv).
//
// With `--test-force-exit`, node:test ends a test file's process with `process.exit()` as soon as
// its reporter stream has been piped into stdout, not once stdout has written it: the parent then
// reads a cut stream and loses the file's last results, or its closing summary, without counting
// a failure (nodejs/node#64833; seen in our CI as an "unfinished" spec file and as a file whose
// last 22 results vanished). Until node flushes first, hold the exit until stdout has written
// everything queued before it: a write's callback runs only after every earlier write's. A stdout
// that never drains (a parent that stopped reading) still exits after FLUSH_LIMIT_MS.
//
// The exit is decided at the first call, as the real one is: its code is kept (a later call or a
// later `process.exitCode` changes nothing), and while stdout drains, an error thrown by a handle
// the file leaked (what force-exit is for) is written to stderr, not allowed to crash the process
// into a failure after its tests passed.
import { writeSync } from 'node:fs';

const FLUSH_LIMIT_MS = 10_000;
const exit = process.exit.bind(process);
let decided = false;

process.exit = (code) => {
  if (decided) return undefined;
  decided = true;
  const final = code ?? process.exitCode;
  const stdout = process.stdout;
  if (stdout.writableLength === 0 || stdout.destroyed) return exit(final);
  const late = (err) => {
    try {
      writeSync(2, `after the tests, while stdout drained: ${err?.stack ?? String(err)}\n`);
    } catch {
      // stderr gone too: nothing left to tell
    }
  };
  process.on('uncaughtException', late);
  process.on('unhandledRejection', late);
  setTimeout(() => exit(final), FLUSH_LIMIT_MS).unref();
  stdout.write('', () => exit(final));
  return undefined;
};
