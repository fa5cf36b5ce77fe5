import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { untilAborted } from './until-aborted.js';

describe('untilAborted', () => {
  it('gives the answer of work that finishes in time', async () => {
    assert.equal(await untilAborted(AbortSignal.timeout(1000), Promise.resolve(7)), 7);
  });
  it('rejects with the signal’s reason when work ignores its deadline', async () => {
    const never = new Promise<number>(() => undefined);
    await assert.rejects(untilAborted(AbortSignal.timeout(20), never), { name: 'TimeoutError' });
  });
  it('rejects at once for a signal already fired, swallowing the late failure', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const late = new Promise<number>((_, reject) => setTimeout(() => reject(new Error('late')), 5));
    await assert.rejects(untilAborted(controller.signal, late), /gone/);
    await new Promise((r) => setTimeout(r, 20)); // an unhandled 'late' would fail the test
  });
});
