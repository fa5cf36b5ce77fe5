import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger, runWithContext } from '@shop/platform';
import { TestStack, waitUntil } from '@shop/testing';
import {
  DEMO_ORDER_SAGA,
  demoOrderSaga,
  isTerminal,
  SagaOrchestrator,
  type DemoOrderData,
} from '../src/index.js';
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

  before(async () => {
    world = await openSagaWorld(stack, 'saga-corr-test', capture('participants'));
    orchestrators = ['orchestrator-a', 'orchestrator-b'].map(
      (name) =>
        new SagaOrchestrator({
          bus: world.bus,
          orm: world.sagasOrm,
          logger: capture(name),
          sagas: [demoOrderSaga()],
          replyTopic: world.replyTopic,
          commandTopic: world.commandTopic,
          groupId: `${world.groupPrefix}orchestrator`,
        }),
    );
    for (const o of orchestrators) await o.start();
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

  const finish = (id: string) =>
    waitUntil(
      async () => {
        const s = await orchestrators[0]!.get(id);
        return s !== undefined && isTerminal(s.status) ? s : undefined;
      },
      { timeoutMs: 30_000, what: `saga ${id}` },
    );

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

  it('runs sagas to completion with two orchestrator instances in one group', async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        orchestrators[i % 2]!.startSaga(DEMO_ORDER_SAGA, data(i + 1)),
      ),
    );
    const states = await Promise.all(ids.map(finish));
    assert.deepEqual(
      states.map((s) => s.status),
      ids.map(() => 'COMPLETED'),
    );
  });
});
