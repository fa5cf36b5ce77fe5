// node:test reporter that prints the closing line CI reads, exactly "N passed, N failed", with
// skipped and todo tests (if any) on a line of their own before it. Cancelled tests (a hook or
// the file itself failed) count as failed.
export default async function* summary(source) {
  let last;
  for await (const event of source) {
    if (event.type === 'test:summary' && event.data.file === undefined) last = event.data.counts;
  }
  if (last === undefined) {
    yield '0 passed, 1 failed\n';
    return;
  }
  if (last.skipped || last.todo) yield `${last.skipped} skipped, ${last.todo} todo\n`;
  yield `${last.passed} passed, ${last.failed + last.cancelled} failed\n`;
}
