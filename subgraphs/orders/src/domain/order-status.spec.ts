import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isFinal,
  nextStatuses,
  ORDER_EVENTS,
  ORDER_STATUSES,
  transition,
  type OrderEvent,
  type OrderStatus,
} from './order-status.js';

/** Every (status, event) pair and its verdict: move to a status, noop, or illegal ('x'). */
const TABLE: Record<OrderStatus, Record<OrderEvent, OrderStatus | 'noop' | 'x'>> = {
  PENDING: {
    confirm: 'CONFIRMED',
    fail: 'FAILED',
    ship: 'x',
    deliver: 'x',
    'request-cancel': 'x',
    'complete-cancel': 'x',
  },
  CONFIRMED: {
    confirm: 'noop',
    fail: 'x',
    ship: 'SHIPPED',
    deliver: 'x',
    'request-cancel': 'CANCELLING',
    'complete-cancel': 'x',
  },
  SHIPPED: {
    confirm: 'noop',
    fail: 'x',
    ship: 'noop',
    deliver: 'DELIVERED',
    'request-cancel': 'x',
    'complete-cancel': 'x',
  },
  DELIVERED: {
    confirm: 'noop',
    fail: 'x',
    ship: 'noop',
    deliver: 'noop',
    'request-cancel': 'x',
    'complete-cancel': 'x',
  },
  FAILED: {
    confirm: 'x',
    fail: 'noop',
    ship: 'x',
    deliver: 'x',
    'request-cancel': 'x',
    'complete-cancel': 'x',
  },
  CANCELLING: {
    confirm: 'noop',
    fail: 'x',
    ship: 'x',
    deliver: 'x',
    'request-cancel': 'noop',
    'complete-cancel': 'CANCELLED',
  },
  CANCELLED: {
    confirm: 'noop',
    fail: 'x',
    ship: 'x',
    deliver: 'x',
    'request-cancel': 'noop',
    'complete-cancel': 'noop',
  },
};

describe('order state machine', () => {
  for (const status of ORDER_STATUSES)
    for (const event of ORDER_EVENTS) {
      const expected = TABLE[status][event];
      it(`${status} + ${event} → ${expected}`, () => {
        const t = transition(status, event);
        if (expected === 'x') {
          assert.equal(t.kind, 'illegal');
          assert.match(t.kind === 'illegal' ? t.message : '', new RegExp(status));
        } else if (expected === 'noop') assert.deepEqual(t, { kind: 'noop', status });
        else assert.deepEqual(t, { kind: 'move', from: status, to: expected });
      });
    }

  it('has exactly the documented edges', () => {
    const edges = ORDER_STATUSES.flatMap((s) => nextStatuses(s).map((t) => `${s}→${t}`));
    assert.deepEqual(edges.sort(), [
      'CANCELLING→CANCELLED',
      'CONFIRMED→CANCELLING',
      'CONFIRMED→SHIPPED',
      'PENDING→CONFIRMED',
      'PENDING→FAILED',
      'SHIPPED→DELIVERED',
    ]);
    assert.deepEqual(ORDER_STATUSES.filter(isFinal), ['DELIVERED', 'FAILED', 'CANCELLED']);
  });
});
