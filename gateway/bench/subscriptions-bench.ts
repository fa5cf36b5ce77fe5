// `npm run bench:subscriptions -w gateway`: N partners subscribed to `myAssignments` through this
// gateway (one graphql-ws socket each) vs the same events read straight from the event source, the
// path the gateway itself takes: a Kafka consumer of `delivery.events` that, for each
// `delivery.shipment-changed` event, reads the partner's log (`myAssignmentLog` after its cursor)
// from the delivery subgraph with a gateway proof. Both paths see the same events in the same run.
// Latency of an update = its arrival at the client − the Kafka timestamp of its event (set by
// delivery's outbox relay when it publishes; same machine, same clock). Not a test: it prints
// figures and asserts nothing about time.
//   BENCH_SUBSCRIBERS (1000) BENCH_EVENTS_PER_S (20) BENCH_DURATION_S (30)
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ALWAYS, seedDelivery } from '@shop/delivery';
import { GATEWAY_PROOF_HEADER } from '@shop/platform';
import { TestStack, waitUntil, type RunningService } from '@shop/testing';
import { createClient, type Client } from 'graphql-ws';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { TestIssuer } from '../test/fixtures/test-issuer.js';
import { mintProof, opsUrl, repoRoot, startGateway, startSubgraph } from '../test/harness.js';
import { percentile } from './stats.js';

const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const SUBSCRIBERS = num('BENCH_SUBSCRIBERS', 1000);
const EVENTS_PER_S = num('BENCH_EVENTS_PER_S', 20);
const DURATION_S = num('BENCH_DURATION_S', 30);
const EVENTS = Math.round(EVENTS_PER_S * DURATION_S);

const UPDATE = 'cursor shipmentId sequence';
interface Update {
  readonly cursor: string;
  readonly shipmentId: string;
  readonly sequence: number;
}
const keyOf = (shipmentId: string, sequence: number): string => `${shipmentId}:${sequence}`;

/** Resident set size of a process, in MB. */
const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
};

async function main(): Promise<void> {
  const stack = new TestStack('gwsubbench');
  const issuer = await TestIssuer.start();
  const services: RunningService[] = [];
  const clients: Client[] = [];
  const kafka = new Kafka({
    clientId: 'gwsubbench',
    brokers: stack.env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({
    groupId: stack.ns.group('direct-reader'),
    maxWaitTimeInMs: 100,
    heartbeatInterval: 1_000,
  });
  let pool: Pool | undefined;
  let senderPool: Pool | undefined;
  try {
    const db = await stack.createDatabase('delivery');
    const eventsTopic = stack.ns.topic('delivery.events');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [eventsTopic, stack.ns.topic('sagas.commands.delivery')].map((topic) => ({
        topic,
        numPartitions: 3,
      })),
    });
    await admin.disconnect();
    const delivery = await startSubgraph('delivery', {
      LOG_LEVEL: 'info',
      ...db.mysqlEnv,
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      DELIVERY_EVENTS_TOPIC: eventsTopic,
      DELIVERY_COMMAND_TOPIC: stack.ns.topic('sagas.commands.delivery'),
      DELIVERY_COMMAND_GROUP: stack.ns.group('delivery.saga-commands'),
    });
    services.push(delivery);
    const partners = Array.from({ length: SUBSCRIBERS }, () => crypto.randomUUID());
    const { shipmentIds } = await seedDelivery(db.url, {
      partners: partners.map((userId, i) => ({
        userId,
        name: `Bench ${i}`,
        capacity: 1000,
        available: true,
        homePostalCode: '10001',
        radiusKm: 100,
        serviceAreas: ['100'],
        workingHours: ALWAYS,
      })),
      shipments: partners.map((_, i) => ({
        orderId: crypto.randomUUID(),
        customerId: crypto.randomUUID(),
        partnerIndex: i,
        status: 'IN_TRANSIT' as const,
        postalCode: '10001',
      })),
    });
    const gateway = await startGateway(
      {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        SUPERGRAPH_PATH: path.join(repoRoot, 'schema', 'supergraph.graphql'),
        SUBGRAPH_URLS: `delivery=${delivery.url}/graphql`,
        JWKS_URL: issuer.jwksUrl,
        REDIS_URL: stack.env.REDIS_URL,
        REDIS_PREFIX: stack.ns.redisPrefix,
        SUBSCRIPTIONS_ENABLED: 'true',
        KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
        DELIVERY_EVENTS_TOPIC: eventsTopic,
        HTTP_BURST: '1000000',
        HTTP_RATE_PER_SECOND: '1000000',
      },
      'gateway',
    );
    services.push(gateway);
    const gatewayPid = gateway.child.proc.pid!;
    const metric = async (name: string): Promise<number> => {
      const text = await (await fetch(`${opsUrl(gateway)}/metrics`)).text();
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
      return m === null ? NaN : Number(m[1]);
    };
    await waitUntil(
      async () => (await fetch(`${opsUrl(gateway)}/readyz`)).status === 200 || undefined,
      { timeoutMs: 60_000, what: 'the gateway ready (event source joined)' },
    );
    const rssIdle = rssMb(gatewayPid);

    // --- the direct path: Kafka consumer + the partner's log from delivery, per partner in order.
    // The direct reader and the load generator each have their own connections: queued
    // mutations must not delay the reads being measured.
    pool = new Pool(delivery.url, { connections: 16 });
    senderPool = new Pool(delivery.url, { connections: 16 });
    const readDelivery = async <T>(
      partner: string,
      query: string,
      variables: Record<string, unknown> = {},
      via: Pool = pool!,
    ): Promise<T> => {
      const res = await via.request({
        path: '/graphql',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [GATEWAY_PROOF_HEADER]: await mintProof('delivery', { sub: partner, roles: ['partner'] }),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.body.json()) as { data?: T; errors?: unknown[] };
      if (body.data == null) throw new Error(`delivery: ${JSON.stringify(body.errors)}`);
      return body.data;
    };
    const cursors = new Map<string, string>();
    for (let i = 0; i < partners.length; i += 50)
      await Promise.all(
        partners.slice(i, i + 50).map(async (p) => {
          const { myAssignmentCursor } = await readDelivery<{ myAssignmentCursor: string }>(
            p,
            '{ myAssignmentCursor }',
          );
          cursors.set(p, myAssignmentCursor);
        }),
      );
    const publishedAt = new Map<string, number>();
    const direct = new Map<string, number>();
    const viaGateway = new Map<string, number>();
    let duplicates = 0;
    const reading = new Map<string, Promise<void>>();
    const again = new Set<string>();
    const readDirect = (partner: string): void => {
      if (reading.has(partner)) {
        again.add(partner);
        return;
      }
      const run = async (): Promise<void> => {
        do {
          again.delete(partner);
          for (;;) {
            const { myAssignmentLog } = await readDelivery<{ myAssignmentLog: Update[] }>(
              partner,
              `query ($after: String) { myAssignmentLog(after: $after, first: 50) { ${UPDATE} } }`,
              { after: cursors.get(partner) },
            );
            const now = performance.timeOrigin + performance.now();
            for (const u of myAssignmentLog) {
              const key = keyOf(u.shipmentId, u.sequence);
              if (direct.has(key)) duplicates += 1;
              else direct.set(key, now);
              cursors.set(partner, u.cursor);
            }
            if (myAssignmentLog.length < 50) break;
          }
        } while (again.has(partner));
      };
      reading.set(
        partner,
        run()
          .catch((err: unknown) => console.error('direct read failed', err))
          .finally(() => reading.delete(partner)),
      );
    };
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: eventsTopic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        await Promise.resolve();
        const e = JSON.parse(message.value?.toString('utf8') ?? '{}') as {
          type?: string;
          data?: { shipmentId: string; sequence: number; partnerUserId?: string };
        };
        if (e.type !== 'delivery.shipment-changed' || e.data?.partnerUserId === undefined) return;
        publishedAt.set(keyOf(e.data.shipmentId, e.data.sequence), Number(message.timestamp));
        readDirect(e.data.partnerUserId);
      },
    });
    await waitUntil(() => joined || undefined, {
      timeoutMs: 60_000,
      what: 'the direct reader to join',
    });

    // --- the gateway path: one socket and one subscription per partner.
    const opened = Date.now();
    /** Subscribes refused or sockets lost (reported, not retried: a figure of the run). */
    let subscribeFailures = 0;
    for (let i = 0; i < partners.length; i += 50) {
      await Promise.all(
        partners.slice(i, i + 50).map(async (partner) => {
          const authorization = `Bearer ${await issuer.token({ sub: partner, roles: ['partner'], expiresIn: 3600 })}`;
          const client = createClient({
            url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
            webSocketImpl: WebSocket,
            connectionParams: { authorization },
            retryAttempts: 0,
            lazy: false,
            onNonLazyError: () => undefined,
          });
          clients.push(client);
          client.subscribe<{ myAssignments: Update }>(
            { query: `subscription { myAssignments { ${UPDATE} } }` },
            {
              next: ({ data }) => {
                const now = performance.timeOrigin + performance.now();
                const u = data?.myAssignments;
                if (u == null) return;
                const key = keyOf(u.shipmentId, u.sequence);
                if (viaGateway.has(key)) duplicates += 1;
                else viaGateway.set(key, now);
              },
              error: (err) => {
                subscribeFailures += 1;
                console.error('subscription error', JSON.stringify(err));
              },
              complete: () => undefined,
            },
          );
          await new Promise((r) => setTimeout(r, 0));
        }),
      );
    }
    await waitUntil(
      async () =>
        (await metric('gateway_subscriptions_active')) + subscribeFailures >= SUBSCRIBERS ||
        undefined,
      { timeoutMs: 180_000, intervalMs: 500, what: `${SUBSCRIBERS} subscriptions active` },
    );
    const subscribeS = (Date.now() - opened) / 1000;
    const rssSubscribed = rssMb(gatewayPid);

    // --- the events: position reports at a fixed rate, partners in turn, straight to delivery.
    let rssPeak = rssSubscribed;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssMb(gatewayPid));
    }, 250);
    let failedEvents = 0;
    const started = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const due = started + (i * 1000) / EVENTS_PER_S;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const p = i % partners.length;
      sends.push(
        readDelivery(
          partners[p]!,
          'mutation ($id: ID!, $at: GeoPositionInput) { markShipmentInTransit(id: $id, position: $at) { id } }',
          { id: shipmentIds[p], at: { latitude: 40.75 + i * 1e-5, longitude: -73.99 } },
          senderPool,
        ).then(
          () => undefined,
          () => {
            failedEvents += 1;
          },
        ),
      );
    }
    await Promise.all(sends);
    const sendS = (performance.now() - started) / 1000;
    const expected = EVENTS - failedEvents;
    await waitUntil(
      () =>
        (publishedAt.size >= expected &&
          [...publishedAt.keys()].every((k) => direct.has(k) && viaGateway.has(k))) ||
        undefined,
      { timeoutMs: 120_000, intervalMs: 250, what: 'every update on both paths' },
    ).catch(() => console.error('timed out waiting for every update; reporting what arrived'));
    clearInterval(sampler);
    const rssEnd = rssMb(gatewayPid);

    const latencies = (arrivals: Map<string, number>): Float64Array =>
      Float64Array.from(
        [...publishedAt].flatMap(([k, t0]) => {
          const t = arrivals.get(k);
          return t === undefined ? [] : [t - t0];
        }),
      ).sort();
    const rows = [
      { name: 'direct (Kafka consumer + delivery log)', l: latencies(direct) },
      { name: `through the gateway (${SUBSCRIBERS} graphql-ws sockets)`, l: latencies(viaGateway) },
    ];
    const [d, g] = rows.map((r) => r.l) as [Float64Array, Float64Array];
    const load = os.loadavg();
    const out = [
      '',
      `## Subscriptions: ${SUBSCRIBERS} partners, ${EVENTS} events at ${EVENTS_PER_S}/s (sent in ${sendS.toFixed(1)} s, ${failedEvents} failed)`,
      '',
      `Event-to-client latency, ms (arrival − Kafka timestamp of the event); node ${process.version}, ${os.cpus().length} CPUs shared by delivery, gateway, Kafka, MariaDB and this client; load average ${load.map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) at the end.`,
      '',
      '| path | updates | p50 | p95 | p99 | max |',
      '|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.l.length}/${publishedAt.size} | ${percentile(r.l, 50).toFixed(0)} | ${percentile(r.l, 95).toFixed(0)} | ${percentile(r.l, 99).toFixed(0)} | ${(r.l.at(-1) ?? NaN).toFixed(0)} |`,
      ),
      '',
      `p99 gateway ÷ direct: **${(percentile(g, 99) / percentile(d, 99)).toFixed(2)}×** (goal ≤ 1.5×); p50 ${(percentile(g, 50) / percentile(d, 50)).toFixed(2)}×; duplicates seen: ${duplicates}.`,
      '',
      `Gateway RSS, MB: idle ${rssIdle.toFixed(0)}, with ${SUBSCRIBERS} subscriptions ${rssSubscribed.toFixed(0)} (opened in ${subscribeS.toFixed(1)} s; ${subscribeFailures} subscribes failed), peak during events ${rssPeak.toFixed(0)}, end ${rssEnd.toFixed(0)}.`,
      '',
    ];
    process.stdout.write(out.join('\n'));
  } finally {
    await Promise.all(clients.map(async (c) => c.dispose()));
    await consumer.disconnect().catch(() => undefined);
    await pool?.close();
    await senderPool?.close();
    await Promise.all(services.map((s) => s.stop()));
    await issuer.close();
    await stack.cleanup();
  }
}

await main();
process.exit(0);
