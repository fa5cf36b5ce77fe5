import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sqlRows } from '@shop/messaging';
import { TestStack, waitUntil } from '@shop/testing';
import { SagaOrchestrator } from '../src/index.js';
import { DEMO_ORDER_SAGA, demoOrderSaga, type DemoOrderData } from './demo/demo-order.saga.js';
import { DEMO_BEHAVIOUR } from './demo/demo-participants.js';
import {
  killAll,
  openSagaWorld,
  spawnNode,
  testLogger,
  type Child,
  type SagaTestWorld,
} from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MAIN = path.resolve(here, 'demo', 'demo-main.js');
const SAGAS = 50;
const KILLS = 4;

describe('orchestrator SIGKILLed at random points of 50 concurrent sagas', () => {
  const stack = new TestStack('sagacrash');
  let world: SagaTestWorld;

  before(async () => {
    world = await openSagaWorld(stack, 'saga-crash-test');
  });

  after(async () => {
    await killAll();
    await world?.close();
  });

  const spawnOrchestrator = (): Child =>
    spawnNode(MAIN, {
      SAGAS_MYSQL_URL: world.sagasUrl,
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      OPS_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      SAGAS_GROUP_ID: `${world.groupPrefix}orchestrator`,
      SAGAS_REPLY_TOPIC: world.replyTopic,
      SAGAS_COMMAND_TOPIC_PREFIX: world.commandTopicPrefix,
      // Longer than the 10 s a SIGKILLed member's replies wait for its Kafka session to expire:
      // otherwise every attempt of a step can time out while its reply waits, and a saga that
      // should complete is compensated (seen once in CI). Timeouts are not what this test proves.
      DEMO_STEP_TIMEOUT_MS: '20000',
      SAGAS_RELAY_LEASE_MS: '2000',
    });

  /** Commands the participants have handled (one log row per saga, step and action). */
  const handledCommands = async (): Promise<number> => {
    const [row] = await sqlRows<{ n: number | string }>(
      world.participantsOrm.em.fork(),
      'SELECT COUNT(*) AS n FROM saga_participant_log',
    );
    return Number(row?.n ?? 0);
  };

  it('brings every saga to the outcome it has without crashes, no step taking effect twice', async (t) => {
    // Sagas are started through the same engine API, writing state and first command atomically;
    // only the child process publishes and drives them.
    const starter = new SagaOrchestrator({
      bus: world.bus,
      orm: world.sagasOrm,
      logger: testLogger('starter'),
      sagas: [demoOrderSaga()],
      replyTopic: world.replyTopic,
      commandTopicPrefix: world.commandTopicPrefix,
    });
    const kinds = ['ok', 'ok', 'ok', 'declined', 'unserved'] as const;
    const expected = new Map<string, (typeof kinds)[number]>();
    let orchestrator = spawnOrchestrator();
    await Promise.all(
      Array.from({ length: SAGAS }, async (_, i) => {
        const kind = kinds[i % kinds.length]!;
        const data: DemoOrderData = {
          sku: 'sku-1',
          quantity: 1,
          account: kind === 'declined' ? DEMO_BEHAVIOUR.declinedAccount : `acc-${i}`,
          amountCents: 100 + i,
          address: kind === 'unserved' ? DEMO_BEHAVIOUR.unservedAddress : `${i} Main St`,
        };
        expected.set(await starter.startSaga(DEMO_ORDER_SAGA, data), kind);
      }),
    );

    // Kill points: after a random, increasing number of handled commands, plus a random delay,
    // so kills land anywhere in a transition (before/after commit, before/after publishing).
    const targets = Array.from({ length: KILLS }, () => 5 + Math.floor(Math.random() * 110)).sort(
      (a, b) => a - b,
    );
    for (const target of targets) {
      await waitUntil(async () => (await handledCommands()) >= target, {
        timeoutMs: 60_000,
        intervalMs: 20,
        what: `${target} commands handled`,
      });
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 60)));
      await orchestrator.kill('SIGKILL');
      orchestrator = spawnOrchestrator();
    }

    const statuses = await waitUntil(
      async () => {
        const rows = await sqlRows<{ id: string; status: string }>(
          world.sagasOrm.em.fork(),
          'SELECT id, status FROM saga_instance',
        );
        return rows.length === SAGAS &&
          rows.every((r) => ['COMPLETED', 'FAILED', 'NEEDS_ATTENTION'].includes(r.status))
          ? rows
          : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 250, what: 'all 50 sagas terminal' },
    );
    await orchestrator.kill('SIGTERM');
    const counts: Record<string, number> = {};
    for (const { status } of statuses) counts[status] = (counts[status] ?? 0) + 1;
    t.diagnostic(
      `killed after ${targets.join(', ')} published commands; outcomes ${JSON.stringify(counts)}`,
    );

    const twice = await sqlRows(
      world.participantsOrm.em.fork(),
      `SELECT saga_id, step, action, COUNT(*) AS n FROM demo_effect
       GROUP BY saga_id, step, action HAVING COUNT(*) > 1`,
    );
    assert.deepEqual(twice, [], 'no step or compensation took effect twice');

    const effects = await sqlRows<{ saga_id: string; step: number; action: string }>(
      world.participantsOrm.em.fork(),
      'SELECT saga_id, step, action FROM demo_effect',
    );
    for (const { id, status } of statuses) {
      const mine = effects.filter((e) => e.saga_id === id);
      const executed = mine
        .filter((e) => e.action === 'execute')
        .map((e) => e.step)
        .sort();
      const compensated = mine
        .filter((e) => e.action === 'compensate')
        .map((e) => e.step)
        .sort();
      const kind = expected.get(id);
      assert.notEqual(status, 'NEEDS_ATTENTION', `saga ${id} parked`);
      // A crash may delay a saga, never change its outcome: every step of an 'ok' saga succeeds.
      if (kind === 'ok') assert.equal(status, 'COMPLETED', `saga ${id} (ok) ended ${status}`);
      else assert.equal(status, 'FAILED', `saga ${id} (${kind}) ended ${status}`);
      if (status === 'COMPLETED') {
        assert.equal(kind, 'ok', `saga ${id} (${kind}) cannot complete`);
        assert.deepEqual(executed, [0, 1, 2], id);
        assert.deepEqual(compensated, [], id);
      } else {
        // FAILED: everything that took effect was undone exactly once.
        assert.deepEqual(compensated, executed, `saga ${id} (${kind}) left effects behind`);
        if (kind === 'declined') assert.ok(!executed.includes(1), id);
        if (kind === 'unserved') assert.ok(!executed.includes(2), id);
      }
    }
  });
});
