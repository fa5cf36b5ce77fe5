import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqlRows } from '@shop/messaging';
import { TestStack, waitUntil } from '@shop/testing';
import { isTerminal, runSagasCli, SagaOrchestrator, type SagaState } from '../src/index.js';
import { DEMO_ORDER_SAGA, demoOrderSaga, type DemoOrderData } from './demo/demo-order.saga.js';
import { DEMO_BEHAVIOUR } from './demo/demo-participants.js';
import { openSagaWorld, testLogger, type SagaTestWorld } from './support.js';

interface Effect {
  participant: string;
  step: number;
  action: string;
}

describe('saga orchestrator with the three-participant demo saga', () => {
  const stack = new TestStack('sagas');
  let world: SagaTestWorld;
  let orchestrator: SagaOrchestrator;

  before(async () => {
    world = await openSagaWorld(stack, 'saga-test');
    orchestrator = new SagaOrchestrator({
      bus: world.bus,
      orm: world.sagasOrm,
      logger: testLogger('orchestrator'),
      sagas: [demoOrderSaga({ timeoutMs: 1000, maxAttempts: 2 })],
      replyTopic: world.replyTopic,
      commandTopicPrefix: world.commandTopicPrefix,
      groupId: `${world.groupPrefix}orchestrator`,
    });
    await orchestrator.start();
  });

  after(async () => {
    await orchestrator?.close();
    await world?.close();
  });

  const order = (over: Partial<DemoOrderData> = {}): DemoOrderData => ({
    sku: 'sku-1',
    quantity: 2,
    account: 'acc-1',
    amountCents: 1999,
    address: '1 Main St',
    ...over,
  });

  const run = async (data: DemoOrderData): Promise<SagaState> => {
    const id = await orchestrator.startSaga(DEMO_ORDER_SAGA, data);
    return waitUntil(
      async () => {
        const s = await orchestrator.get(id);
        return s !== undefined && isTerminal(s.status) ? s : undefined;
      },
      { timeoutMs: 30_000, what: `saga ${id} to finish` },
    );
  };

  const effects = (sagaId: string): Promise<Effect[]> =>
    sqlRows<Effect>(
      world.participantsOrm.em.fork(),
      'SELECT participant, step, action FROM demo_effect WHERE saga_id = ? ORDER BY id',
      [sagaId],
    );

  const compensations = (s: SagaState): number[] =>
    s.history
      .filter((h) => h.action === 'compensate' && h.event === 'succeeded')
      .map((h) => h.step);

  it('completes the happy path and carries step results in the saga data', async () => {
    const s = await run(order());
    assert.equal(s.status, 'COMPLETED');
    assert.deepEqual(await effects(s.id), [
      { participant: 'inventory', step: 0, action: 'execute' },
      { participant: 'payment', step: 1, action: 'execute' },
      { participant: 'shipping', step: 2, action: 'execute' },
    ]);
    assert.equal(s.data.paymentId, `pay-${s.id}`);
    assert.equal(typeof s.data.stockLeft, 'number');
  });

  it('starts a saga id once: a second start with that id writes nothing', async () => {
    const id = `once-${crypto.randomUUID()}`;
    await orchestrator.startSaga(DEMO_ORDER_SAGA, order(), { id });
    await orchestrator.startSaga(DEMO_ORDER_SAGA, order({ quantity: 5 }), { id });
    const s = await waitUntil(
      async () => {
        const found = await orchestrator.get(id);
        return found !== undefined && isTerminal(found.status) ? found : undefined;
      },
      { timeoutMs: 30_000, what: `saga ${id} to finish` },
    );
    assert.equal(s.status, 'COMPLETED');
    assert.equal(s.data.quantity, 2, 'data of the first start');
    assert.deepEqual(
      s.history.filter((h) => h.step === 0 && h.action !== 'execute').map((h) => h.event),
      ['started'],
    );
    assert.deepEqual(
      s.history.filter((h) => h.step === 0 && h.action === 'execute').map((h) => h.event),
      ['sent', 'succeeded'],
    );
    assert.equal((await effects(id)).length, 3);
  });

  it('fails at the first step with nothing to compensate', async () => {
    const s = await run(order({ sku: 'sku-empty' }));
    assert.equal(s.status, 'FAILED');
    assert.match(s.failureReason ?? '', /reserve: out of stock/);
    assert.deepEqual(await effects(s.id), []);
    assert.deepEqual(compensations(s), []);
  });

  it('fails at the second step and compensates only the first', async () => {
    const [before] = await sqlRows<{ available: number }>(
      world.participantsOrm.em.fork(),
      "SELECT available FROM demo_stock WHERE sku = 'sku-1'",
    );
    const s = await run(order({ account: DEMO_BEHAVIOUR.declinedAccount }));
    assert.equal(s.status, 'FAILED');
    assert.match(s.failureReason ?? '', /charge: card declined/);
    assert.deepEqual(await effects(s.id), [
      { participant: 'inventory', step: 0, action: 'execute' },
      { participant: 'inventory', step: 0, action: 'compensate' },
    ]);
    assert.deepEqual(compensations(s), [0]);
    const [after] = await sqlRows<{ available: number }>(
      world.participantsOrm.em.fork(),
      "SELECT available FROM demo_stock WHERE sku = 'sku-1'",
    );
    assert.equal(after!.available, before!.available, 'stock released');
  });

  it('fails at the third step and compensates the first two in reverse order', async () => {
    const s = await run(order({ address: DEMO_BEHAVIOUR.unservedAddress }));
    assert.equal(s.status, 'FAILED');
    assert.match(s.failureReason ?? '', /ship: address not served/);
    assert.deepEqual(await effects(s.id), [
      { participant: 'inventory', step: 0, action: 'execute' },
      { participant: 'payment', step: 1, action: 'execute' },
      { participant: 'payment', step: 1, action: 'compensate' },
      { participant: 'inventory', step: 0, action: 'compensate' },
    ]);
    assert.deepEqual(compensations(s), [1, 0]);
  });

  it('times out a participant that never answers, resends, then compensates', async () => {
    const s = await run(order({ address: DEMO_BEHAVIOUR.silentAddress }));
    assert.equal(s.status, 'FAILED');
    assert.match(s.failureReason ?? '', /ship: no reply after 2 attempts/);
    const sends = s.history.filter(
      (h) => h.step === 2 && h.action === 'execute' && h.event === 'sent',
    );
    assert.equal(sends.length, 2, 'resent once before giving up');
    assert.deepEqual(await effects(s.id), [
      { participant: 'inventory', step: 0, action: 'execute' },
      { participant: 'payment', step: 1, action: 'execute' },
      { participant: 'payment', step: 1, action: 'compensate' },
      { participant: 'inventory', step: 0, action: 'compensate' },
    ]);
    // The timed-out step is compensated too (a no-op here: it never took effect).
    assert.deepEqual(compensations(s), [2, 1, 0]);
  });

  it('retries a compensation that failed once, runs it again and ends FAILED', async () => {
    const s = await run(
      order({
        account: DEMO_BEHAVIOUR.flakyRefundAccount,
        address: DEMO_BEHAVIOUR.unservedAddress,
      }),
    );
    assert.equal(s.status, 'FAILED', s.failureReason ?? '');
    assert.match(s.failureReason ?? '', /ship: address not served/);
    const refunds = s.history.filter((h) => h.step === 1 && h.action === 'compensate');
    assert.deepEqual(
      refunds.map((h) => [h.event, h.attempt]),
      [
        ['sent', 1],
        ['failed', 1],
        ['sent', 2],
        ['succeeded', 2],
      ],
    );
    assert.deepEqual(await effects(s.id), [
      { participant: 'inventory', step: 0, action: 'execute' },
      { participant: 'payment', step: 1, action: 'execute' },
      { participant: 'payment', step: 1, action: 'compensate' },
      { participant: 'inventory', step: 0, action: 'compensate' },
    ]);
    assert.deepEqual(compensations(s), [1, 0]);
  });

  it('parks a saga whose compensation keeps failing as NEEDS_ATTENTION, visible in a query', async () => {
    const s = await run(
      order({
        account: DEMO_BEHAVIOUR.unrefundableAccount,
        address: DEMO_BEHAVIOUR.unservedAddress,
      }),
    );
    assert.equal(s.status, 'NEEDS_ATTENTION');
    assert.match(s.failureReason ?? '', /compensation charge refused 2 times: refund rejected/);
    const parked = await orchestrator.list({ status: 'NEEDS_ATTENTION' });
    assert.deepEqual(
      parked.map((p) => p.id),
      [s.id],
    );
    const out: string[] = [];
    const code = await runSagasCli(
      ['list', 'NEEDS_ATTENTION'],
      { SAGAS_MYSQL_URL: world.sagasUrl },
      (line) => {
        out.push(line);
      },
    );
    assert.equal(code, 0);
    assert.ok(
      out.some((l) => l.startsWith(s.id) && l.includes('refund rejected')),
      out.join('\n'),
    );
    assert.ok(out.includes('1 sagas'));
    // Nothing below the stuck step was compensated: an operator decides.
    assert.deepEqual(await effects(s.id), [
      { participant: 'inventory', step: 0, action: 'execute' },
      { participant: 'payment', step: 1, action: 'execute' },
    ]);
  });
});
