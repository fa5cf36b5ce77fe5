import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createEnvelope,
  replenishmentRetryRequestedV1,
  stockLowV1,
  type ReplenishmentProgressV1,
} from '@shop/schema';
import {
  decide,
  startTransition,
  type SagaDecision,
  type SagaInput,
} from '../engine/saga-decision.js';
import type { SagaState } from '../engine/saga-state.js';
import { MAX_DELIVERIES, replenishStockSaga } from './replenish-stock.saga.js';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const SAGA = replenishStockSaga({ receiveTimeoutMs: 60_000 });
const RID = '0b5a3f8e-8f8e-4d7c-9a53-2f3f1e1b2c3d';

const lowEvent = (replenishmentId?: string) =>
  createEnvelope(stockLowV1, {
    key: 'p-1',
    source: 'catalog',
    data: {
      productId: 'p-1',
      available: 2,
      onHand: 2,
      reserved: 0,
      threshold: 5,
      ...(replenishmentId === undefined ? {} : { replenishmentId }),
    },
  });

const progress = (p: Partial<ReplenishmentProgressV1>): Record<string, unknown> => ({
  ordered: 8,
  received: 0,
  stocked: 0,
  outstanding: 8,
  ...p,
});

/** Drives one replenishment saga through `decide`, answering the step it waits for. */
class Drive {
  state: SagaState;
  last: SagaDecision;
  constructor() {
    const start = SAGA.trigger!.start(lowEvent(RID))!;
    this.last = startTransition(
      SAGA,
      { id: start.id, data: SAGA.data.parse(start.data), requestId: null, correlationId: 'c' },
      NOW,
    );
    this.state = this.last.state;
  }
  /** The name of the step the saga waits on. */
  get waitingOn(): string {
    return SAGA.steps[this.state.currentStep]!.name;
  }
  answer(outcome: 'succeeded' | 'failed', result: Record<string, unknown> = {}): this {
    return this.apply({
      kind: 'reply',
      reply: {
        sagaId: this.state.id,
        sagaType: SAGA.type,
        step: this.state.currentStep,
        action: 'execute',
        attempt: this.state.attempt,
        outcome,
        ...(outcome === 'failed'
          ? { reason: 'supplier sim-refuses refused the order' }
          : { result }),
      },
    });
  }
  input(input: SagaInput): this {
    return this.apply(input);
  }
  private apply(input: SagaInput): this {
    const d = decide(SAGA, this.state, input, NOW);
    assert.equal(d.kind, 'transition', d.kind === 'ignore' ? d.reason : '');
    this.last = d;
    if (d.kind === 'transition') this.state = d.state;
    return this;
  }
}

describe('replenish-stock saga', () => {
  it('starts from a stock-low that opened a replenishment, named after it; not from one that did not', () => {
    const start = SAGA.trigger!.start(lowEvent(RID));
    assert.equal(start?.id, `replenish-${RID}`);
    assert.deepEqual(start?.data, { replenishmentId: RID, productId: 'p-1' });
    assert.equal(SAGA.trigger!.start(lowEvent()), null);
  });

  it('orders, waits for the goods, stocks them and closes: one full delivery', () => {
    const d = new Drive();
    assert.equal(d.waitingOn, 'place-purchase-order');
    d.answer('succeeded', { ...progress({}), supplierOrderId: 'so-1' });
    assert.equal(d.waitingOn, 'receive-goods-1');
    d.answer('succeeded', progress({ received: 8, outstanding: 0 }));
    assert.equal(d.waitingOn, 'stock-goods-1');
    d.answer('succeeded', progress({ received: 8, stocked: 8, outstanding: 0 }));
    // Nothing outstanding: the later deliveries are skipped.
    assert.equal(d.waitingOn, 'close-replenishment');
    d.answer('succeeded', progress({ received: 8, stocked: 8, outstanding: 0 }));
    assert.equal(d.state.status, 'COMPLETED');
    const skipped = d.state.history.filter((h) => h.event === 'skipped').map((h) => h.stepName);
    assert.equal(skipped.length, 2 * (MAX_DELIVERIES - 1));
  });

  it('a partial delivery is stocked, then the saga waits for the rest', () => {
    const d = new Drive();
    d.answer('succeeded', { ...progress({}), supplierOrderId: 'so-1' });
    d.answer('succeeded', progress({ received: 5, outstanding: 3 }));
    d.answer('succeeded', progress({ received: 5, stocked: 5, outstanding: 3 }));
    assert.equal(d.waitingOn, 'receive-goods-2');
    d.answer('succeeded', progress({ received: 8, stocked: 5, outstanding: 0 }));
    assert.equal(d.waitingOn, 'stock-goods-2');
    d.answer('succeeded', progress({ received: 8, stocked: 8, outstanding: 0 }));
    assert.equal(d.waitingOn, 'close-replenishment');
  });

  it(`closes after ${MAX_DELIVERIES} deliveries even with units outstanding`, () => {
    const d = new Drive();
    d.answer('succeeded', { ...progress({}), supplierOrderId: 'so-1' });
    for (let n = 1; n <= MAX_DELIVERIES; n++) {
      d.answer('succeeded', progress({ received: n, stocked: n - 1, outstanding: 8 - n }));
      d.answer('succeeded', progress({ received: n, stocked: n, outstanding: 8 - n }));
    }
    assert.equal(d.waitingOn, 'close-replenishment');
  });

  it('a supplier refusal parks the saga with the reason; an admin retry resends the order once', () => {
    const d = new Drive().answer('failed');
    assert.equal(d.state.status, 'NEEDS_ATTENTION');
    assert.match(d.state.failureReason ?? '', /place-purchase-order: supplier sim-refuses refused/);
    const event = createEnvelope(replenishmentRetryRequestedV1, {
      key: 'p-1',
      source: 'catalog',
      data: { replenishmentId: RID, productId: 'p-1', requestedBy: 'u-admin' },
    });
    const target = SAGA.retry!.target(event)!;
    assert.equal(target.sagaId, d.state.id);
    d.input({ kind: 'retry', requestedBy: target.requestedBy });
    assert.equal(d.state.status, 'RUNNING');
    assert.equal(d.last.kind === 'transition' && d.last.commands[0]?.attempt, 2);
    assert.match(d.state.history.at(-2)?.detail ?? '', /retried by admin u-admin/);
  });

  it('waits for goods through a long timeout, resending the wait, then parks', () => {
    const d = new Drive();
    d.answer('succeeded', { ...progress({}), supplierOrderId: 'so-1' });
    assert.equal(d.last.kind === 'transition' && d.last.deadlineMs, 60_000);
    d.input({ kind: 'deadline' }).input({ kind: 'deadline' });
    assert.equal(d.state.status, 'RUNNING');
    d.input({ kind: 'deadline' });
    assert.equal(d.state.status, 'NEEDS_ATTENTION');
    assert.match(d.state.failureReason ?? '', /receive-goods-1: no reply after 3 attempts/);
    // Goods arriving late answer the deferred wait: the saga resumes.
    d.input({
      kind: 'reply',
      reply: {
        sagaId: d.state.id,
        sagaType: SAGA.type,
        step: 1,
        action: 'execute',
        attempt: 3,
        outcome: 'succeeded',
        result: progress({ received: 8, outstanding: 0 }),
      },
    });
    assert.equal(d.waitingOn, 'stock-goods-1');
  });
});
