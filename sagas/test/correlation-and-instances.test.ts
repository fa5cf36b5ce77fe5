import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqlRows } from '@shop/messaging';
import { createLogger, runWithContext } from '@shop/platform';
import { TestStack, waitUntil } from '@shop/testing';
import { isTerminal, SagaOrchestrator } from '../src/index.js';
import { DEMO_ORDER_SAGA, demoOrderSaga, type DemoOrderData } from './demo/demo-order.saga.js';
import { openSagaWorld, type SagaTestWorld } from './support.js';

type LogLine = Record<string, unknown> & { service: string; msg: string };

describe('correlation across hops and several orchestrator instances', () => {
  const stack = new TestStack('sagacorr');
  const lines: LogLine[] = [];
  const capture = (service: string) =>
    createLogger(service, 'info', {
      write: (line: string) => {
        lines.push(JSON.parse(line) as LogLine);
      },
    });
  let world: SagaTestWorld;
  let orchestrators: SagaOrchestrator[] = [];
  /** Per instance, the sagas whose last reply it handled (it reports them once committed). */
  const finishedBy = new Map<string, string[]>();

  before(async () => {
    world = await openSagaWorld(stack, 'saga-corr-test', capture('participants'));
    orchestrators = ['orchestrator-a', 'orchestrator-b'].map((name) => {
      const orchestrator = new SagaOrchestrator({
        bus: world.bus,
        orm: world.sagasOrm,
        logger: capture(name),
        sagas: [demoOrderSaga()],
        replyTopic: world.replyTopic,
        commandTopicPrefix: world.commandTopicPrefix,
        groupId: `${world.groupPrefix}orchestrator`,
      });
      const mine: string[] = [];
      finishedBy.set(name, mine);
      orchestrator.onFinished((f) => mine.push(f.id));
      return orchestrator;
    });
    for (const o of orchestrators) await o.start();
    // Once the second instance has joined, the group's generation holds both, and each owns at
    // least one of the reply topic's three partitions.
    let joined = 0;
    for (const o of orchestrators) void o.joined().then(() => joined++);
    await waitUntil(() => joined === orchestrators.length, {
      timeoutMs: 30_000,
      what: 'both instances in the reply group',
    });
  });

  after(async () => {
    for (const o of orchestrators) await o.close();
    await world?.close();
  });

  const data = (i: number): DemoOrderData => ({
    sku: 'sku-1',
    quantity: 1,
    account: `acc-${i}`,
    amountCents: 500,
    address: `${i} Elm St`,
  });

  // 30 sagas over two instances took 27 s at load average 30 on the 2-core machine: a generous bound.
  const finish = (id: string) =>
    waitUntil(
      async () => {
        const s = await orchestrators[0]!.get(id);
        return s !== undefined && isTerminal(s.status) ? s : undefined;
      },
      { timeoutMs: 60_000, what: `saga ${id}` },
    ).catch(async (err: unknown) => {
      // Say where it stood: a slow machine and a lost reply look alike from the outside.
      const s = await orchestrators[0]!.get(id);
      throw new Error(`${String(err)}; it stands ${JSON.stringify(s?.history.slice(-4))}`);
    });

  it('carries the request id and saga id into every log line of every hop', async () => {
    const requestId = 'req-correlation-0001';
    const id = await runWithContext({ requestId }, () =>
      orchestrators[0]!.startSaga(DEMO_ORDER_SAGA, data(0)),
    );
    assert.equal((await finish(id)).status, 'COMPLETED');
    await waitUntil(
      () => lines.filter((l) => l.sagaId === id && l.msg === 'saga command handled').length >= 3,
      { what: 'participant log lines' },
    );
    const mine = lines.filter((l) => l.sagaId === id);
    const handled = mine.filter((l) => l.msg === 'saga command handled');
    assert.deepEqual(
      handled.map((l) => l.participant),
      ['demo-inventory', 'demo-payment', 'demo-shipping'],
      'every participant logged its step with the saga id',
    );
    assert.ok(mine.some((l) => l.msg === 'saga started' && l.service.startsWith('orchestrator')));
    for (const line of mine) {
      assert.equal(line.requestId, requestId, `${line.service}: ${line.msg}`);
      assert.equal(line.correlationId, requestId, `${line.service}: ${line.msg}`);
    }
  });

  it('shares the replies between two instances in one group without any effect twice', async () => {
    // Replies are keyed by saga id; with 30 random ids the chance that all of them land in the
    // partitions of one instance is below (2/3)^30, about 5 in a million.
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        orchestrators[i % 2]!.startSaga(DEMO_ORDER_SAGA, data(i + 1)),
      ),
    );
    const states = await Promise.all(ids.map(finish));
    assert.deepEqual(
      states.map((s) => s.status),
      ids.map(() => 'COMPLETED'),
    );

    await waitUntil(
      () => ids.every((id) => [...finishedBy.values()].some((mine) => mine.includes(id))),
      { what: 'every saga reported finished by an instance' },
    );
    for (const [name, mine] of finishedBy) {
      const handled = ids.filter((id) => mine.includes(id));
      assert.ok(handled.length > 0, `${name} handled no saga's last reply`);
    }
    const both = ids.filter((id) => [...finishedBy.values()].every((mine) => mine.includes(id)));
    assert.deepEqual(both, [], 'no saga finished in both instances');

    const twice = await sqlRows(
      world.participantsOrm.em.fork(),
      `SELECT saga_id, step, action, COUNT(*) AS n FROM demo_effect
       GROUP BY saga_id, step, action HAVING COUNT(*) > 1`,
    );
    assert.deepEqual(twice, [], 'no step took effect twice');
    const effects = await sqlRows<{ saga_id: string; step: number; action: string }>(
      world.participantsOrm.em.fork(),
      'SELECT saga_id, step, action FROM demo_effect',
    );
    for (const id of ids) {
      const mine = effects.filter((e) => e.saga_id === id);
      assert.deepEqual(
        mine.map((e) => `${e.action}:${e.step}`).sort(),
        ['execute:0', 'execute:1', 'execute:2'],
        `effects of saga ${id}`,
      );
    }
  });
});
