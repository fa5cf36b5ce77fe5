import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  judgeCommit,
  judgeRelease,
  judgeRepeatReserve,
  normalizeReservation,
  shortageReason,
} from './reservation.js';

describe('normalizeReservation', () => {
  it('merges lines of one product and sorts by product id (the lock order)', () => {
    assert.deepEqual(
      normalizeReservation('o-1', [
        { productId: 'p-b', quantity: 1 },
        { productId: 'P-c', quantity: 2 },
        { productId: 'p-b', quantity: 3 },
        { productId: 'p-a', quantity: 1 },
      ]),
      {
        ok: true,
        lines: [
          { productId: 'P-c', quantity: 2 },
          { productId: 'p-a', quantity: 1 },
          { productId: 'p-b', quantity: 4 },
        ],
      },
    );
  });

  it('names every bad field', () => {
    const r = normalizeReservation('', [
      { productId: 'bad id', quantity: 1 },
      { productId: 'p-1', quantity: 0 },
    ]);
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.problems.map((p) => p.field), [
      'orderId',
      'lines[0].productId',
      'lines[1].quantity',
    ]);
    const none = normalizeReservation('o-1', []);
    assert.deepEqual(!none.ok && none.problems.map((p) => p.field), ['lines']);
  });
});

describe('shortageReason', () => {
  it('names each short product with what it wants and what is there', () => {
    assert.equal(
      shortageReason([
        { productId: 'p-1', wanted: 3, available: 1 },
        { productId: 'p-2', wanted: 1, available: 0 },
      ]),
      'out of stock: p-1 wants 3, 1 available; p-2 wants 1, 0 available',
    );
  });
});

describe('judgeRepeatReserve', () => {
  const lines = [{ productId: 'p-1', quantity: 2 }];
  it('the same lines again reserve nothing more and succeed', () => {
    assert.deepEqual(judgeRepeatReserve('o-1', { status: 'held', lines }, lines), {
      outcome: 'reserved',
      lines,
      units: 2,
      repeated: true,
    });
    assert.equal(
      judgeRepeatReserve('o-1', { status: 'committed', lines }, lines).outcome,
      'reserved',
    );
  });
  it('other lines, or a released reservation, are refused', () => {
    const other = judgeRepeatReserve('o-1', { status: 'held', lines }, [
      { productId: 'p-1', quantity: 3 },
    ]);
    assert.deepEqual(
      other.outcome === 'refused' && other.reason,
      'order o-1 already holds a different reservation',
    );
    const released = judgeRepeatReserve('o-1', { status: 'released', lines: [] }, lines);
    assert.deepEqual(
      released.outcome === 'refused' && released.reason,
      'the reservation of order o-1 was released',
    );
  });
});

describe('judgeRelease and judgeCommit', () => {
  it('answer a settle that moved nothing from the row’s status', () => {
    assert.deepEqual(
      (['released', 'committed', 'held'] as const).map((s) => judgeRelease('o-1', s).kind),
      ['done', 'refused', 'retry'],
    );
    assert.deepEqual(
      ([undefined, 'committed', 'released', 'held'] as const).map(
        (s) => judgeCommit('o-1', s).kind,
      ),
      ['refused', 'done', 'refused', 'retry'],
    );
  });
});
