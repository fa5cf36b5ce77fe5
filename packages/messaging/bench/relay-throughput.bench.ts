// Outbox relay throughput against raw kafkajs sendBatch, measured in the same run on the local
// stack. Not a test: prints figures. `npm run bench -w packages/messaging` (BENCH_EVENTS, BENCH_BATCH).
import type { MikroORM } from '@mikro-orm/mysql';
import { createLogger } from '@shop/platform';
import { createEnvelope, orderPlacedV1 } from '@shop/schema';
import { stackCpuMs } from '@shop/stack';
import { TestStack } from '@shop/testing';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus, OutboxRelay, openMessagingOrm, sqlRun } from '../src/index.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const READ_AHEAD = Number(process.env.BENCH_READ_AHEAD ?? 2);

const stack = new TestStack('benchrelay');
const logger = createLogger('bench', 'error');
const brokers = stack.env.KAFKA_BROKERS.split(',');

const makeMessages = (round: string): { key: string; value: string; id: string }[] =>
  Array.from({ length: EVENTS }, (_, i) => {
    const orderId = `o-${round}-${i}`;
    const env = createEnvelope(orderPlacedV1, {
      key: orderId,
      source: 'bench',
      data: {
        orderId,
        userId: `u-${i % 100}`,
        lines: [{ productId: `p-${i % 50}`, quantity: 1 + (i % 3), unitPriceCents: 1299 }],
        totalCents: 1299 * (1 + (i % 3)),
        currency: 'USD',
      },
    });
    return { key: orderId, value: JSON.stringify(env), id: env.id };
  });

interface Result {
  rate: number;
  cpu: Cpu;
}

async function rawSendBatch(topic: string, round: string): Promise<Result> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.ERROR });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = makeMessages(round);
  const meter = cpuMeter();
  const t0 = performance.now();
  for (let i = 0; i < messages.length; i += BATCH)
    await producer.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic,
          messages: messages.slice(i, i + BATCH).map((m) => ({
            key: m.key,
            value: m.value,
            headers: { 'x-request-id': 'bench-request', 'x-correlation-id': 'bench-request' },
          })),
        },
      ],
    });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meter();
  await producer.disconnect();
  return { rate: EVENTS / seconds, cpu };
}

async function relay(orm: MikroORM, bus: KafkaBus, topic: string, round: string): Promise<Result> {
  const em = orm.em.fork();
  const messages = makeMessages(round);
  for (let i = 0; i < messages.length; i += 1000) {
    const chunk = messages.slice(i, i + 1000);
    await sqlRun(
      em,
      `INSERT INTO outbox_message (message_id, topic, partition_key, payload, headers) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(',')}`,
      chunk.flatMap((m) => [
        m.id,
        topic,
        m.key,
        m.value,
        JSON.stringify({ 'x-request-id': 'bench-request', 'x-correlation-id': 'bench-request' }),
      ]),
    );
  }
  const relay = new OutboxRelay({
    orm,
    publisher: bus.createPublisher(),
    logger,
    batchSize: BATCH,
    readAhead: READ_AHEAD,
  });
  // Connect the producer before timing, as the raw baseline does.
  await relay.publishBatch();
  const meter = cpuMeter();
  const t0 = performance.now();
  const already = relay.publishedCount;
  relay.start();
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (relay.publishedCount >= EVENTS) {
        clearInterval(check);
        resolve();
      }
    }, 5);
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meter();
  await relay.stop();
  return { rate: (EVENTS - already) / seconds, cpu };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Cpu = { node: number; mariadb: number; kafka: number };
function cpuNow(): Cpu {
  const own = process.cpuUsage();
  const servers = stackCpuMs(['mariadb', 'kafka']);
  return { node: (own.user + own.system) / 1000, mariadb: servers.mariadb!, kafka: servers.kafka! };
}
/** Starts a meter; calling the result gives CPU ms per 1000 events of this process, MariaDB and Kafka. */
function cpuMeter(): () => Cpu {
  const before = cpuNow();
  return () => {
    const now = cpuNow();
    const per1k = (ms: number): number => (ms * 1000) / EVENTS;
    return {
      node: per1k(now.node - before.node),
      mariadb: per1k(now.mariadb - before.mariadb),
      kafka: per1k(now.kafka - before.kafka),
    };
  };
}
const fmtCpu = (c: Cpu): string =>
  `cpu ms/1k ev node ${c.node.toFixed(0)} mariadb ${c.mariadb.toFixed(0)} kafka ${c.kafka.toFixed(0)}`;

try {
  const db = await stack.createDatabase('bench');
  const orm = await openMessagingOrm(db.url);
  const bus = new KafkaBus({ brokers, clientId: 'bench', logger });
  const topic = stack.ns.topic('bench.events');
  await bus.ensureTopics([topic]);
  console.log(
    `outbox relay vs raw kafkajs sendBatch: ${EVENTS} events/round, batch ${BATCH}, ${ROUNDS} rounds`,
  );
  await rawSendBatch(topic, 'warmup');
  const raw: Result[] = [];
  const rel: Result[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first so drift in the machine's load does not favour either.
    if (r % 2 === 0) {
      raw.push(await rawSendBatch(topic, `raw${r}`));
      rel.push(await relay(orm, bus, topic, `relay${r}`));
    } else {
      rel.push(await relay(orm, bus, topic, `relay${r}`));
      raw.push(await rawSendBatch(topic, `raw${r}`));
    }
    const [a, b] = [raw[r]!, rel[r]!];
    console.log(
      `round ${r + 1}: raw ${a.rate.toFixed(0)} ev/s (${fmtCpu(a.cpu)}), relay ${b.rate.toFixed(0)} ev/s (${fmtCpu(b.cpu)}), ratio ${(b.rate / a.rate).toFixed(2)}`,
    );
  }
  const rawMedian = median(raw.map((x) => x.rate));
  const relMedian = median(rel.map((x) => x.rate));
  const ratios = raw.map((x, i) => rel[i]!.rate / x.rate);
  console.log(
    `median: raw ${rawMedian.toFixed(0)} ev/s, relay ${relMedian.toFixed(0)} ev/s, relay/raw ${(relMedian / rawMedian).toFixed(2)} (median of per-round ratios ${median(ratios).toFixed(2)}; goal >= 0.80)`,
  );
  const medCpu = (xs: Result[]): Cpu => ({
    node: median(xs.map((x) => x.cpu.node)),
    mariadb: median(xs.map((x) => x.cpu.mariadb)),
    kafka: median(xs.map((x) => x.cpu.kafka)),
  });
  console.log(`median raw:   ${fmtCpu(medCpu(raw))}`);
  console.log(`median relay: ${fmtCpu(medCpu(rel))}`);
  await bus.deleteTopics([topic]);
  await bus.close();
  await orm.close(true);
} finally {
  await stack.cleanup();
}
