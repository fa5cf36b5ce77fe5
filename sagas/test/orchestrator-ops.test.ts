import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TestStack, waitUntil } from '@shop/testing';
import { isTerminal, SagaOrchestrator, type SagaState } from '../src/index.js';
import { DEMO_ORDER_SAGA, demoOrderSaga } from './demo/demo-order.saga.js';
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

/** The value of the one series of `name` whose labels include all of `labels`, 0 when absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = metrics
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}{`) && wanted.every((w) => l.slice(0, l.indexOf('}')).includes(w)),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('orchestrator process ops endpoints', () => {
  const stack = new TestStack('sagaops');
  let world: SagaTestWorld;
  let child: Child;
  let ops: string;

  before(async () => {
    world = await openSagaWorld(stack, 'saga-ops-test');
    child = spawnNode(MAIN, {
      SAGAS_MYSQL_URL: world.sagasUrl,
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      OPS_PORT: '0',
      LOG_LEVEL: 'info',
      SAGAS_GROUP_ID: `${world.groupPrefix}orchestrator`,
      SAGAS_REPLY_TOPIC: world.replyTopic,
      SAGAS_COMMAND_TOPIC_PREFIX: world.commandTopicPrefix,
    });
    const started = await child.waitForLog(
      (l) => l.msg === 'orchestrator started',
      'orchestrator started',
    );
    ops = `http://127.0.0.1:${String(started.port)}`;
  });

  after(async () => {
    await child?.stop();
    await killAll();
    await world?.close();
  });

  it('is ready once MariaDB and Kafka answer and its reply consumer joined', async () => {
    const body = await waitUntil(
      async () => {
        const res = await fetch(`${ops}/readyz`);
        return res.status === 200 ? await res.json() : undefined;
      },
      { timeoutMs: 30_000, what: '/readyz to answer 200' },
    );
    assert.deepEqual(body, {
      status: 'ready',
      checks: { mariadb: 'ok', kafka: 'ok', 'saga-replies': 'ok' },
    });
  });

  it('counts finished sagas, their durations and the step commands it sent on /metrics', async () => {
    const scrape = async (): Promise<string> => (await fetch(`${ops}/metrics`)).text();
    const type = { saga_type: DEMO_ORDER_SAGA };
    const completed = { ...type, status: 'COMPLETED' };
    const initial = await scrape();
    // Every series of the saga exists from the start, at 0.
    assert.match(initial, /^saga_finished_total\{[^}]*status="COMPLETED"[^}]*\} 0$/m);
    assert.match(initial, /^saga_step_commands_total\{[^}]*step="ship"[^}]*\} 0$/m);

    // The saga starts in this test process (state and first command in one transaction); the
    // child's relay publishes that command and the child drives the rest.
    const starter = new SagaOrchestrator({
      bus: world.bus,
      orm: world.sagasOrm,
      logger: testLogger('starter'),
      sagas: [demoOrderSaga()],
      replyTopic: world.replyTopic,
      commandTopicPrefix: world.commandTopicPrefix,
    });
    const id = await starter.startSaga(DEMO_ORDER_SAGA, {
      sku: 'sku-1',
      quantity: 1,
      account: 'acc-ops',
      amountCents: 700,
      address: '7 Ops Rd',
    });
    const s = await waitUntil<SagaState>(
      async () => {
        const found = await starter.get(id);
        return found !== undefined && isTerminal(found.status) ? found : undefined;
      },
      { timeoutMs: 30_000, what: `saga ${id} to finish` },
    );
    assert.equal(s.status, 'COMPLETED');

    // Counted after the commit, so a scrape right after the database shows COMPLETED may precede it.
    const metrics = await waitUntil(
      async () => {
        const text = await scrape();
        return sample(text, 'saga_finished_total', completed) === 1 ? text : undefined;
      },
      { what: 'saga_finished_total{status="COMPLETED"} to reach 1' },
    );
    assert.equal(sample(metrics, 'saga_duration_seconds_count', completed), 1);
    assert.ok(sample(metrics, 'saga_duration_seconds_sum', completed) > 0);
    assert.equal(sample(metrics, 'saga_finished_total', { ...type, status: 'FAILED' }), 0);
    const sent = (step: string, action: string): number =>
      sample(metrics, 'saga_step_commands_total', { ...type, step, action });
    // The child wrote the charge and ship commands; reserve was written by the starter.
    assert.equal(sent('reserve', 'execute'), 0);
    assert.equal(sent('charge', 'execute'), 1);
    assert.equal(sent('ship', 'execute'), 1);
    assert.equal(sent('reserve', 'compensate'), 0);
    assert.match(metrics, /saga_finished_total\{[^}]*service="sagas"/);
  });
});
