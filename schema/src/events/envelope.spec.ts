import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reserveItemsV1 } from './demo/reserve-items.v1.js';
import { createEnvelope } from './envelope.js';
import { orderFailedV1 } from './orders/order-failed.v1.js';
import { orderPlacedV1 } from './orders/order-placed.v1.js';
import { ContractRegistry, ContractViolation } from './registry.js';
import { dlqTopic, sagaCommandTopic, TOPICS } from './topics.js';

const placed = {
  orderId: 'o-1',
  userId: 'u-1',
  lines: [{ productId: 'p-1', quantity: 2, unitPriceCents: 500 }],
  totalCents: 1000,
  currency: 'USD',
};

describe('event envelope', () => {
  it('builds a validated envelope with defaults', () => {
    const env = createEnvelope(orderPlacedV1, { key: 'o-1', source: 'orders', data: placed });
    assert.equal(env.type, 'orders.order-placed');
    assert.equal(env.version, 1);
    assert.equal(env.correlationId, env.id);
    assert.equal(env.causationId, null);
    assert.ok(!Number.isNaN(Date.parse(env.occurredAt)));
  });

  it('refuses to build an envelope whose data breaks the contract', () => {
    assert.throws(() =>
      createEnvelope(orderPlacedV1, {
        key: 'o-1',
        source: 'orders',
        data: { ...placed, lines: [] },
      }),
    );
  });

  it('decodes known type@version and dispatches on it', () => {
    const registry = new ContractRegistry([orderPlacedV1, orderFailedV1]);
    const env = createEnvelope(orderFailedV1, {
      key: 'o-1',
      source: 'orders',
      data: { orderId: 'o-1', userId: 'u-1', reason: 'declined' },
      correlationId: 'req-12345678',
    });
    const decoded = registry.decode(JSON.stringify(env));
    assert.equal(decoded.contract.name, 'orders.order-failed@1');
    if (decoded.envelope.type === 'orders.order-failed') {
      assert.equal(decoded.envelope.data.reason, 'declined');
    } else assert.fail('wrong dispatch');
    assert.equal(decoded.envelope.correlationId, 'req-12345678');
  });

  it('rejects an unknown version instead of guessing', () => {
    const registry = new ContractRegistry([orderPlacedV1]);
    const env = { ...createEnvelope(orderPlacedV1, { key: 'o', source: 's', data: placed }) };
    assert.throws(
      () => registry.decode(JSON.stringify({ ...env, version: 2 })),
      (err: unknown) =>
        err instanceof ContractViolation &&
        err.reason === 'unknown-contract' &&
        err.message.includes('orders.order-placed@2'),
    );
  });

  it('rejects malformed JSON, a bad envelope and invalid data', () => {
    const registry = new ContractRegistry([orderPlacedV1]);
    const reasons = ['{nope', JSON.stringify({ id: 'x' })].map((raw) => {
      try {
        registry.decode(raw);
        return 'decoded';
      } catch (err) {
        return (err as ContractViolation).reason;
      }
    });
    assert.deepEqual(reasons, ['malformed-envelope', 'malformed-envelope']);
    const env = createEnvelope(orderPlacedV1, { key: 'o', source: 's', data: placed });
    assert.throws(
      () => registry.decode({ ...env, data: { orderId: 'o' } }),
      (err: unknown) => err instanceof ContractViolation && err.reason === 'invalid-data',
    );
  });

  it('wraps saga command payloads with the saga metadata', () => {
    const env = createEnvelope(reserveItemsV1, {
      key: 's-1',
      source: 'sagas',
      data: {
        saga: {
          sagaId: 's-1',
          sagaType: 'demo',
          step: 0,
          stepName: 'reserve',
          action: 'execute',
          attempt: 1,
          replyTo: TOPICS.sagaReplies,
        },
        payload: { sku: 'sku-1', quantity: 1 },
      },
    });
    assert.equal(env.data.payload.sku, 'sku-1');
    assert.throws(() => reserveItemsV1.schema.parse({ ...env.data, payload: { sku: '' } }));
  });

  it('names topics in one place', () => {
    assert.equal(sagaCommandTopic('demo-payment'), 'sagas.commands.demo-payment');
    assert.equal(dlqTopic('orders.notifier'), 'orders.notifier.dlq');
  });
});
