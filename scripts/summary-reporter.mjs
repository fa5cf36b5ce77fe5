// node:test reporter that prints the closing line CI reads, exactly "N passed, N failed", with
// skipped and todo tests (if any) on a line of their own before it. Cancelled tests (a hook or
// the file itself failed) count as failed.
//
// A test file whose process ends before it reports (its output cut short, or a stray
// `process.exit(0)` mid-run) sends no per-file summary, and node:test then drops its remaining
// tests without counting a failure. `SHOP_TEST_FILES` (a JSON array of absolute paths, written by
// scripts/test.ts) lists every file the run was given: each listed file without its own summary
// counts as one failed test, and is named on an "unfinished:" line.
import path from 'node:path';

export default async function* summary(source) {
  const expected = JSON.parse(process.env.SHOP_TEST_FILES ?? '[]').map((f) => path.resolve(f));
  const reported = new Set();
  let last;
  for await (const event of source) {
    if (event.type !== 'test:summary') continue;
    if (event.data.file === undefined) last = event.data.counts;
    else reported.add(path.resolve(event.data.file));
  }
  if (last === undefined) {
    yield '0 passed, 1 failed\n';
    return;
  }
  const unfinished = expected.filter((f) => !reported.has(f));
  for (const f of unfinished) yield `unfinished: ${f}\n`;
  if (last.skipped || last.todo) yield `${last.skipped} skipped, ${last.todo} todo\n`;
  yield `${last.passed} passed, ${last.failed + last.cancelled + unfinished.length} failed\n`;
}
