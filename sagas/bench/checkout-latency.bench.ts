// Checkout latency and throughput, end to end, against two baselines measured in the same run on
// the same broker. Not a test: prints figures and the ratios against the goals of issue 12.
//   npm run bench -w sagas
// Rows:
// - floor: raw kafkajs produce → consume round trips, back to back, as many as one checkout's
//   critical path takes (order-placed, then a command and a reply for each of the six steps);
// - the engine's three-step demo saga (in-process participants) at 1, 10 and 50 concurrent;
// - checkout: `placeOrder` over HTTP through the gateway until the order is CONFIRMED in orders'
//   database, with the gateway, five subgraphs and the orchestrator as processes, at 1, 10 and 50.
// Settings: BENCH_SAMPLES (per level, default 50), BENCH_FLOOR_SAMPLES (default 30),
// BENCH_SKIP_CHECKOUT=1 (floor and demo only). After the checkout rows, where a checkout spends
// its time, per level, from its saga's history.
import type { MikroORM } from '@mikro-orm/mysql';
import { KafkaBus, openMessagingOrm } from '@shop/messaging';
import { createLogger } from '@shop/platform';
import { SAGA_COMMAND_TOPIC_PREFIX } from '@shop/schema';
import { TestStack } from '@shop/testing';
import {
  placeOrderSagaId,
  SAGA_TABLES_DDL,
  SagaOrchestrator,
  type SagaHistoryEntry,
} from '../src/index.js';
import { DEMO_ORDER_SAGA, demoOrderSaga } from '../test/demo/demo-order.saga.js';
import { DEMO_PARTICIPANT_DDL, DemoParticipants } from '../test/demo/demo-participants.js';
import { CARDS, CheckoutWorld, type Customer } from '../test/e2e/checkout-world.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const FLOOR_SAMPLES = Number(process.env.BENCH_FLOOR_SAMPLES ?? 30);
const LEVELS = [1, 10, 50] as const;
/** Messages on one checkout's critical path: order-placed, then command + reply × 6 steps. */
const CHECKOUT_HOPS = 1 + 2 * 6;
/** The demo saga's: command + reply × 3 steps (it is started in-process, no trigger event). */
const DEMO_HOPS = 2 * 3;
const logger = createLogger('bench', 'error');

interface Row {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly perSecond: number;
}

const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};

/** Runs `one` SAMPLES times, `level` at a time; latency percentiles and completions per second. */
async function measure(level: number, one: (i: number) => Promise<number>): Promise<Row> {
  const times: number[] = [];
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: level }, async () => {
      while (next < SAMPLES) times.push(await one(next++));
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    p50: pct(times, 50),
    p95: pct(times, 95),
    max: Math.max(...times),
    perSecond: times.length / seconds,
  };
}

const fmt = (r: Row): string =>
  `p50 ${r.p50.toFixed(0).padStart(5)} ms  p95 ${r.p95.toFixed(0).padStart(5)} ms  max ${r.max
    .toFixed(0)
    .padStart(5)} ms  ${(r.perSecond * 60).toFixed(0).padStart(5)} /min`;

/** Raw kafkajs: `hops` produce → consume round trips back to back, on one topic and partition. */
async function floor(stack: TestStack, bus: KafkaBus, hops: number): Promise<number[]> {
  const topic = stack.ns.topic('bench.floor');
  await bus.ensureTopics([topic], 1);
  const kafka = bus.rawKafka();
  // Settings of this project's publisher and consumers: idempotent acks=all, 50 ms max wait.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({
    groupId: stack.ns.group('bench-floor'),
    maxWaitTimeInMs: 50,
  });
  await producer.connect();
  await consumer.connect();
  // A fresh topic read from its start: a round trip sent before the group's first fetch position
  // is resolved would otherwise be skipped (offset reset to latest) and wait forever.
  await consumer.subscribe({ topic, fromBeginning: true });
  const waiters = new Map<string, () => void>();
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.run({
    eachMessage: async ({ message }) => {
      waiters.get(message.value?.toString() ?? '')?.();
    },
  });
  while (!joined) await new Promise((r) => setTimeout(r, 50));
  const roundTrip = async (): Promise<void> => {
    const id = crypto.randomUUID();
    const seen = new Promise<void>((r) => waiters.set(id, r));
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: id }] });
    await seen;
    waiters.delete(id);
  };
  for (let i = 0; i < 20; i++) await roundTrip(); // warm-up
  const totals: number[] = [];
  for (let s = 0; s < FLOOR_SAMPLES; s++) {
    const t0 = performance.now();
    for (let h = 0; h < hops; h++) await roundTrip();
    totals.push(performance.now() - t0);
  }
  await consumer.disconnect();
  await producer.disconnect();
  await bus.deleteTopics([topic]);
  return totals;
}

async function demoRows(stack: TestStack, bus: KafkaBus): Promise<Map<number, Row>> {
  const open = (url: string, ddl: readonly string[]): Promise<MikroORM> =>
    openMessagingOrm(url, ddl, { pool: { min: 2, max: 20 } });
  const sagasOrm = await open((await stack.createDatabase('sagas')).url, SAGA_TABLES_DDL);
  const partOrm = await open((await stack.createDatabase('participants')).url, [
    ...DEMO_PARTICIPANT_DDL,
    "INSERT INTO demo_stock (sku, available) VALUES ('sku-1', 100000000)",
  ]);
  const commandTopicPrefix = stack.ns.topic(SAGA_COMMAND_TOPIC_PREFIX);
  const orchestrator = new SagaOrchestrator({
    bus,
    orm: sagasOrm,
    logger,
    sagas: [demoOrderSaga()],
    replyTopic: stack.ns.topic('sagas.replies'),
    eventsTopic: stack.ns.topic('sagas.events'),
    commandTopicPrefix,
    groupId: stack.ns.group('orchestrator'),
  });
  const topics = orchestrator.topics();
  await bus.ensureTopics(topics);
  const participants = new DemoParticipants({
    bus,
    logger,
    orms: { inventory: partOrm, payment: partOrm, shipping: partOrm },
    commandTopicPrefix,
    groupPrefix: `${stack.ns.runId}.`,
  });
  await participants.start();
  await orchestrator.start();
  await orchestrator.joined();
  const waiting = new Map<string, (status: string) => void>();
  orchestrator.onFinished((f) => waiting.get(f.id)?.(f.status));
  const runOne = async (i: number): Promise<number> => {
    const id = crypto.randomUUID();
    const done = new Promise<string>((resolve) => waiting.set(id, resolve));
    const t0 = performance.now();
    await orchestrator.startSaga(
      DEMO_ORDER_SAGA,
      { sku: 'sku-1', quantity: 1, account: `a-${i}`, amountCents: 1000, address: `${i} Main St` },
      { id },
    );
    const status = await done;
    waiting.delete(id);
    if (status !== 'COMPLETED') throw new Error(`saga ${id} ended ${status}`);
    return performance.now() - t0;
  };
  await Promise.all(Array.from({ length: 10 }, (_, i) => runOne(i)));
  const rows = new Map<number, Row>();
  for (const level of LEVELS) rows.set(level, await measure(level, runOne));
  await orchestrator.close();
  await participants.close();
  await bus.deleteTopics(topics);
  await sagasOrm.close(true);
  await partOrm.close(true);
  return rows;
}

interface Placed {
  readonly id: string;
  /** Wall clock (ms) when placeOrder was sent and when it answered. */
  readonly startedAt: number;
  readonly answeredAt: number;
  /** When the bench's poller saw the order CONFIRMED. */
  readonly confirmedAt: number;
}

/** Where a level's checkouts spent their time: segment → milliseconds, one entry per order. */
type Breakdown = Map<string, number[]>;
const breakdowns = new Map<number, Breakdown>();

/**
 * Splits each checkout into segments from its saga's history (the orchestrator's own clock, as is
 * the bench's): placeOrder's answer, when the saga started against that answer (negative: before
 * the client had it), each step from the previous step's success to its own (the command through
 * the outbox, Kafka, the participant's transaction and the reply back; resends included), the
 * poller's lag; plus how many commands timed out.
 */
async function breakdown(world: CheckoutWorld, placed: readonly Placed[]): Promise<Breakdown> {
  const out: Breakdown = new Map();
  const add = (segment: string, ms: number): void => {
    const xs = out.get(segment);
    if (xs === undefined) out.set(segment, [ms]);
    else xs.push(ms);
  };
  const sagas = await world.rows<{ id: string; history: string }>(
    'sagas',
    `SELECT id, history FROM saga_instance WHERE id IN (${placed.map(() => '?').join(',')})`,
    placed.map((p) => placeOrderSagaId(p.id)),
  );
  const historyOf = new Map(
    sagas.map((r) => [r.id, JSON.parse(r.history) as SagaHistoryEntry[]] as const),
  );
  for (const p of placed) {
    const history = historyOf.get(placeOrderSagaId(p.id));
    if (history === undefined) continue;
    add('placeOrder answered', p.answeredAt - p.startedAt);
    const at = (e: SagaHistoryEntry): number => Date.parse(e.at);
    let previous = p.answeredAt;
    for (const e of history) {
      if (e.event === 'timed-out') add('timed-out commands (count)', 1);
      if (e.action === 'saga' && e.event === 'started') {
        add('saga started − placeOrder answered', at(e) - p.answeredAt);
        previous = at(e);
      }
      // The orchestrator records a step's success and the next step's command in one
      // transition, so a step's time runs from the previous success (or the start) to its own.
      if (e.action === 'execute' && (e.event === 'succeeded' || e.event === 'skipped')) {
        if (e.event === 'succeeded') add(`step ${e.stepName}`, at(e) - previous);
        previous = at(e);
      }
    }
    add('CONFIRMED seen − last reply recorded', p.confirmedAt - previous);
  }
  return out;
}

async function checkoutRows(): Promise<Map<number, Row>> {
  // Its own namespace: the demo rows already made this run's `sagas` database.
  const world = await CheckoutWorld.open(new TestStack('benchcow'));
  try {
    await world.products([{ id: 'bench', title: 'Bench item', priceCents: 1000, stock: 1e6 }]);
    // Customers with a one-line cart, made before the clock runs (one per checkout).
    const ready: Customer[] = [];
    const prepare = async (n: number): Promise<void> => {
      const made = await world.customers(n);
      await Promise.all(made.map((c) => world.addToCart(c, 'bench', 1)));
      ready.push(...made);
    };
    // Orders' database polled every 5 ms for the outcome of every order in flight.
    const inFlight = new Map<string, (status: string) => void>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const ids = [...inFlight.keys()];
        if (ids.length > 0) {
          const rows = await world.rows<{ id: string; status: string }>(
            'orders',
            `SELECT id, status FROM orders WHERE status IN ('CONFIRMED', 'FAILED') AND id IN (${ids
              .map(() => '?')
              .join(',')})`,
            ids,
          );
          for (const r of rows) inFlight.get(r.id)?.(r.status);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    let placed: Placed[] = [];
    const checkout = async (): Promise<number> => {
      const c = ready.pop();
      if (c === undefined) throw new Error('no prepared customer left');
      const t0 = performance.now();
      const startedAt = Date.now();
      const res = await world.placeOrder(c, CARDS.success);
      const id = res.data?.placeOrder.id;
      if (id === undefined) throw new Error(`placeOrder: ${JSON.stringify(res.errors)}`);
      const answeredAt = Date.now();
      const status = await new Promise<string>((resolve) => inFlight.set(id, resolve));
      inFlight.delete(id);
      if (status !== 'CONFIRMED') throw new Error(`order ${id} ended ${status}`);
      placed.push({ id, startedAt, answeredAt, confirmedAt: Date.now() });
      return performance.now() - t0;
    };
    await prepare(10);
    await Promise.all(Array.from({ length: 10 }, () => checkout())); // warm-up
    const rows = new Map<number, Row>();
    for (const level of LEVELS) {
      await prepare(SAMPLES);
      placed = [];
      rows.set(level, await measure(level, () => checkout()));
      breakdowns.set(level, await breakdown(world, placed));
    }
    polling = false;
    await poller;
    return rows;
  } finally {
    await world.close();
  }
}

const stack = new TestStack('benchco');
const bus = new KafkaBus({
  brokers: stack.env.KAFKA_BROKERS.split(','),
  clientId: 'bench',
  logger,
});
try {
  const checkoutFloor = await floor(stack, bus, CHECKOUT_HOPS);
  const demoFloor = await floor(stack, bus, DEMO_HOPS);
  console.log(`floor (raw kafkajs round trips back to back, ${FLOOR_SAMPLES} samples):`);
  console.log(
    `  ${CHECKOUT_HOPS} round trips (a checkout's critical path): p50 ${pct(checkoutFloor, 50).toFixed(1)} ms, p95 ${pct(checkoutFloor, 95).toFixed(1)} ms (${(pct(checkoutFloor, 50) / CHECKOUT_HOPS).toFixed(2)} ms each)`,
  );
  console.log(
    `  ${DEMO_HOPS} round trips (the demo saga's): p50 ${pct(demoFloor, 50).toFixed(1)} ms, p95 ${pct(demoFloor, 95).toFixed(1)} ms`,
  );
  const demo = await demoRows(stack, bus);
  console.log(`demo saga (3 steps, in-process participants), ${SAMPLES} sagas per level:`);
  for (const [level, r] of demo)
    console.log(`  ${String(level).padStart(2)} concurrent: ${fmt(r)}`);
  console.log(`  p50 at 1 / its floor: ${(demo.get(1)!.p50 / pct(demoFloor, 50)).toFixed(2)}x`);
  if (process.env.BENCH_SKIP_CHECKOUT === '1') {
    console.log('checkout rows skipped (BENCH_SKIP_CHECKOUT=1)');
  } else {
    const co = await checkoutRows();
    console.log(
      `checkout (placeOrder through the gateway → CONFIRMED), ${SAMPLES} orders per level:`,
    );
    for (const [level, r] of co)
      console.log(`  ${String(level).padStart(2)} concurrent: ${fmt(r)}`);
    console.log('where a checkout spends its time, median / p95 ms per level (saga history):');
    const segments = [...new Set([...breakdowns.values()].flatMap((b) => [...b.keys()]))];
    for (const segment of segments) {
      const cells = LEVELS.map((level) => {
        const xs = breakdowns.get(level)?.get(segment) ?? [];
        if (segment.endsWith('(count)')) return `${xs.length}`.padStart(13);
        return xs.length === 0
          ? '-'.padStart(13)
          : `${pct(xs, 50).toFixed(0)} / ${pct(xs, 95).toFixed(0)}`.padStart(13);
      });
      console.log(`  ${segment.padEnd(34)} ${cells.join(' ')}`);
    }
    const one = co.get(1)!;
    const fifty = co.get(50)!;
    const ratio = (name: string, value: number, goal: string, ok: boolean) =>
      console.log(`  ${name}: ${value.toFixed(2)}x (goal ${goal}) ${ok ? 'met' : 'NOT met'}`);
    console.log('goals (issue 12):');
    const p95 = fifty.p95 / one.p95;
    ratio('p95 at 50 / p95 at 1', p95, '≤ 2', p95 <= 2);
    const tput = fifty.perSecond / demo.get(50)!.perSecond;
    ratio('checkouts/min at 50 / demo sagas/min at 50', tput, '≥ 0.5', tput >= 0.5);
    const fl = one.p50 / pct(checkoutFloor, 50);
    ratio('checkout p50 at 1 / floor', fl, '≤ 3', fl <= 3);
    console.log(`  sustained: ${(fifty.perSecond * 60).toFixed(0)} orders/min at 50 concurrent`);
  }
} finally {
  await bus.close();
  await stack.cleanup();
}
