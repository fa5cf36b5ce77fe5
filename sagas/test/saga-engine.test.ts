import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqlRows, sqlRun } from '@shop/messaging';
import { BadUserInputError } from '@shop/platform';
import { sagaCommandId } from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import { isTerminal, runSagasCli, SagaOrchestrator, type SagaState } from '../src/index.js';
import {
  DEMO_ORDER_PIVOT_SAGA,
  DEMO_ORDER_SAGA,
  demoOrderSaga,
  type DemoOrderData,
} from './demo/demo-order.saga.js';
import { DEMO_BEHAVIOUR } from './demo/demo-participants.js';
import { openSagaWorld, testLogger, type SagaTestWorld } from './support.js';

interface Effect {
  participant: string;
  step: number;
  action: string;
}

/** Short enough for the timeout tests, long enough for a loaded 2-core machine. */
const STEP_TIMEOUT_MS = 2000;

/**
 * Checks, as each command row is written to the orchestrator's outbox, that the saga row in the
 * same transaction already shows that command sent: current step and attempt, and a `sent` history
 * entry. Since both commit together, no command can be published before its saga state. Writing
 * the state in a later transaction than the command makes every check of a transition fail.
 */
const STEP = "CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(NEW.message_id, ':', 2), ':', -1) AS UNSIGNED)";
const ACTION = "SUBSTRING_INDEX(SUBSTRING_INDEX(NEW.message_id, ':', 3), ':', -1)";
const ATTEMPT = "CAST(SUBSTRING_INDEX(NEW.message_id, ':', -1) AS UNSIGNED)";
const INVARIANT_DDL = [
  `CREATE TABLE saga_invariant_check (
    message_id VARCHAR(64) NOT NULL PRIMARY KEY,
    ok BOOLEAN NOT NULL,
    saw VARCHAR(200) NULL
  )`,
  // Only step commands (`<saga>:<step>:<action>:<attempt>`): a parked saga's event is no command.
  // Plain expressions, not DECLAREd variables: MariaDB's JSON_OBJECT turns an INT variable into
  // a JSON string, which JSON_CONTAINS then never finds.
  `CREATE TRIGGER saga_command_written_with_state AFTER INSERT ON outbox_message FOR EACH ROW
   INSERT INTO saga_invariant_check (message_id, ok, saw)
   SELECT NEW.message_id,
     COALESCE(MAX(current_step = ${STEP} AND attempt = ${ATTEMPT} AND JSON_CONTAINS(history,
       JSON_OBJECT('step', ${STEP}, 'action', ${ACTION}, 'event', 'sent', 'attempt', ${ATTEMPT}))), FALSE),
     MAX(CONCAT(status, ' step ', current_step, ' attempt ', attempt))
   FROM saga_instance WHERE id = SUBSTRING_INDEX(NEW.message_id, ':', 1)
   HAVING NEW.message_id LIKE '%:%:%:%'`,
];

describe('saga orchestrator with the three-participant demo saga', () => {
  const stack = new TestStack('sagas');
  let world: SagaTestWorld;
  let orchestrator: SagaOrchestrator;
  /** Commands held (by command id) before their handler runs, until a condition or 15 s. */
  const holds = new Map<string, () => Promise<unknown>>();
  const hold = (commandId: string, until: () => Promise<boolean>): void => {
    holds.set(commandId, () =>
      waitUntil(until, { timeoutMs: 15_000, what: `hold of ${commandId}` }).catch(() => undefined),
    );
  };

  before(async () => {
    world = await openSagaWorld(stack, 'saga-test', testLogger('participants'), async (saga) => {
      await holds.get(sagaCommandId(saga))?.();
    });
    for (const sql of INVARIANT_DDL) await sqlRun(world.sagasOrm.em.fork(), sql);
    orchestrator = new SagaOrchestrator({
      bus: world.bus,
      orm: world.sagasOrm,
      logger: testLogger('orchestrator'),
      sagas: [
        demoOrderSaga({ timeoutMs: STEP_TIMEOUT_MS, maxAttempts: 2 }),
        demoOrderSaga({ timeoutMs: STEP_TIMEOUT_MS, maxAttempts: 2, pivotShip: true }),
      ],
      replyTopic: world.replyTopic,
      commandTopicPrefix: world.commandTopicPrefix,
      groupId: `${world.groupPrefix}orchestrator`,
    });
    await orchestrator.start();
    // Replies published before the group's first join wait for it; a slow join (a loaded machine)
    // would otherwise eat the first saga's attempts.
    await orchestrator.joined();
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

  const run = async (
    data: DemoOrderData,
    options: { id?: string; type?: string } = {},
  ): Promise<SagaState> => {
    const id = await orchestrator.startSaga(options.type ?? DEMO_ORDER_SAGA, data, options);
    return finished(id);
  };

  const finished = (id: string): Promise<SagaState> =>
    waitUntil(
      async () => {
        const s = await orchestrator.get(id);
        return s !== undefined && isTerminal(s.status) ? s : undefined;
      },
      { timeoutMs: 30_000, what: `saga ${id} to finish` },
    );

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

  it('starts a saga in its own database when called inside another ORM’s transaction', async () => {
    // A participant starting a saga from within its own transaction: the saga row must land in
    // the sagas database, not in the participant's (whose transaction MikroORM would resolve).
    const id = await world.participantsOrm.em
      .fork()
      .transactional(() => orchestrator.startSaga(DEMO_ORDER_SAGA, order()));
    assert.equal((await finished(id)).status, 'COMPLETED');
  });

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
    // One first send (a resend after a slow reply has attempt 2): the second start sent nothing.
    assert.equal(
      s.history.filter(
        (h) => h.step === 0 && h.action === 'execute' && h.event === 'sent' && h.attempt === 1,
      ).length,
      1,
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
  /** Whether the saga's history shows `action` of `step` sent with `attempt`. */
  const sent = async (id: string, step: number, action: string, attempt = 1): Promise<boolean> =>
    (await orchestrator.get(id))?.history.some(
      (h) => h.step === step && h.action === action && h.event === 'sent' && h.attempt === attempt,
    ) ?? false;

  it('compensates a step that timed out but took effect, and records its late success', async () => {
    const id = `late-${crypto.randomUUID()}`;
    // ship's first attempt runs only once the saga gave up on it and sent its compensation.
    hold(sagaCommandId({ sagaId: id, step: 2, action: 'execute', attempt: 1 }), () =>
      sent(id, 2, 'compensate'),
    );
    const s = await run(order(), { id });
    assert.equal(s.status, 'FAILED', s.failureReason ?? '');
    assert.match(s.failureReason ?? '', /ship: no reply after 2 attempts/);
    assert.ok(
      s.history.some((h) => h.step === 2 && h.action === 'execute' && h.event === 'succeeded-late'),
      'late success recorded',
    );
    assert.deepEqual(await effects(id), [
      { participant: 'inventory', step: 0, action: 'execute' },
      { participant: 'payment', step: 1, action: 'execute' },
      { participant: 'shipping', step: 2, action: 'execute' },
      { participant: 'shipping', step: 2, action: 'compensate' },
      { participant: 'payment', step: 1, action: 'compensate' },
      { participant: 'inventory', step: 0, action: 'compensate' },
    ]);
  });

  it('parks a pivot step that goes unanswered instead of compensating around it; its late success completes the saga', async () => {
    const id = `pivot-${crypto.randomUUID()}`;
    // The pivot (ship, no compensation) answers only once the saga has been parked.
    hold(
      sagaCommandId({ sagaId: id, step: 2, action: 'execute', attempt: 1 }),
      async () => (await orchestrator.get(id))?.status === 'NEEDS_ATTENTION',
    );
    await orchestrator.startSaga(DEMO_ORDER_PIVOT_SAGA, order(), { id });
    // The history, not a poll of the status, proves the park: the late success may resume the saga
    // between two polls (it is released the moment the saga is parked).
    const s = await waitUntil(
      async () => {
        const found = await orchestrator.get(id);
        return found !== undefined && isTerminal(found.status) && found.status !== 'NEEDS_ATTENTION'
          ? found
          : undefined;
      },
      { timeoutMs: 30_000, what: `saga ${id} parked, resumed and completed` },
    );
    assert.equal(s.status, 'COMPLETED', s.failureReason ?? '');
    const events = s.history.filter((h) => h.action === 'saga').map((h) => h.event);
    const parkedAt = events.indexOf('needs-attention');
    assert.ok(parkedAt !== -1, `parked first: ${events.join(', ')}`);
    assert.ok(events.indexOf('resumed') > parkedAt, `then resumed: ${events.join(', ')}`);
    assert.match(
      s.history.find((h) => h.event === 'needs-attention')?.detail ?? '',
      /ship: no reply after 2 attempts; it cannot be undone/,
    );
    assert.ok(!s.history.some((h) => h.action === 'compensate'), 'nothing compensated');
    assert.equal(s.failureReason, null);
    assert.deepEqual(await effects(id), [
      { participant: 'inventory', step: 0, action: 'execute' },
      { participant: 'payment', step: 1, action: 'execute' },
      { participant: 'shipping', step: 2, action: 'execute' },
    ]);
  });

  it('does not count a late refusal of compensation attempt 1 against attempt 2, and acts on its success', async () => {
    const id = `stale-${crypto.randomUUID()}`;
    // The refund's first attempt (refused: flaky account) answers only after attempt 2 was sent;
    // attempt 2 then succeeds.
    hold(sagaCommandId({ sagaId: id, step: 1, action: 'compensate', attempt: 1 }), () =>
      sent(id, 1, 'compensate', 2),
    );
    const s = await run(
      order({
        account: DEMO_BEHAVIOUR.flakyRefundAccount,
        address: DEMO_BEHAVIOUR.unservedAddress,
      }),
      { id },
    );
    assert.equal(s.status, 'FAILED', s.failureReason ?? '');
    assert.match(s.failureReason ?? '', /ship: address not served/);
    // The refusal of attempt 1 was not counted: never parked, no refusal in the history.
    assert.deepEqual(
      s.history
        .filter((h) => h.step === 1 && h.action === 'compensate')
        .map((h) => [h.event, h.attempt]),
      [
        ['sent', 1],
        ['sent', 2],
        ['succeeded', 2],
      ],
    );
    assert.ok(!s.history.some((h) => h.event === 'needs-attention'), 'never parked');
    assert.deepEqual(compensations(s), [1, 0]);
    assert.deepEqual(await effects(id), [
      { participant: 'inventory', step: 0, action: 'execute' },
      { participant: 'payment', step: 1, action: 'execute' },
      { participant: 'payment', step: 1, action: 'compensate' },
      { participant: 'inventory', step: 0, action: 'compensate' },
    ]);
  });

  it('refuses a saga id too long for its command ids at startSaga, writing nothing', async () => {
    // `<id>:2:compensate:2` must fit the envelope's 64-character id: at most 49 characters here.
    const id = 'x'.repeat(50);
    await assert.rejects(
      orchestrator.startSaga(DEMO_ORDER_SAGA, order(), { id }),
      (err: unknown) => err instanceof BadUserInputError && /at most 49/.test(err.message),
    );
    assert.equal(await orchestrator.get(id), undefined);
    const fits = 'y'.repeat(49);
    assert.equal(await orchestrator.startSaga(DEMO_ORDER_SAGA, order(), { id: fits }), fits);
    assert.equal((await run(order(), { id: fits })).status, 'COMPLETED');
  });

  it('parks sagas it cannot handle with the reason, without holding up the deadlines of others', async () => {
    // Two stored sagas, first in deadline order: one of a type this instance does not know (a
    // renamed saga), one whose id is too long for its resend's command id (stored by a version
    // that did not check). Neither may stop the deadline loop for the saga behind them.
    const renamed = `renamed-${crypto.randomUUID()}`;
    const longId = `long-${'z'.repeat(50)}`;
    for (const [id, type] of [
      [renamed, 'renamed-order'],
      [longId, DEMO_ORDER_SAGA],
    ] as const)
      await sqlRun(
        world.sagasOrm.em.fork(),
        `INSERT INTO saga_instance (id, type, status, current_step, attempt, data, history, deadline_at, correlation_id)
         VALUES (?, ?, 'RUNNING', 0, 1, ?, '[]', '2000-01-01', ?)`,
        [id, type, JSON.stringify(order()), id],
      );
    // Its ship step never answers: only deadlines (resend, then compensate) can finish it.
    const s = await run(order({ address: DEMO_BEHAVIOUR.silentAddress }));
    assert.equal(s.status, 'FAILED');
    assert.match(s.failureReason ?? '', /ship: no reply after 2 attempts/);
    const [r, l] = await Promise.all([orchestrator.get(renamed), orchestrator.get(longId)]);
    assert.equal(r?.status, 'NEEDS_ATTENTION');
    assert.match(r?.failureReason ?? '', /saga type renamed-order is not declared/);
    assert.equal(l?.status, 'NEEDS_ATTENTION');
    assert.match(l?.failureReason ?? '', /command id long-z+:0:execute:2 is 67 characters/);
  });

  it('writes every command in the transaction whose saga state shows it sent', async () => {
    const checks = await sqlRows<{ message_id: string; ok: number; saw: string | null }>(
      world.sagasOrm.em.fork(),
      'SELECT message_id, ok, saw FROM saga_invariant_check',
    );
    // Every test above wrote its commands through the trigger, resends and compensations included.
    assert.ok(checks.length > 50, `${checks.length} commands checked`);
    assert.ok(
      checks.some((c) => c.message_id.endsWith(':compensate:2')),
      'a resent compensation was checked',
    );
    assert.deepEqual(
      checks.filter((c) => !c.ok),
      [],
    );
  });
});
