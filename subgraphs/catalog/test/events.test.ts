import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { spawnNode, TestStack, waitUntil } from '@shop/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { CatalogApp } from '../src/index.js';
import { catalogEnv, dropCatalogData, startTestCatalog } from './support.js';

const SEARCH = `query ($q: String) { search(query: $q) { total hits { product { id priceCents } } } }`;
const RELAY = fileURLToPath(new URL('../src/relay-main.js', import.meta.url));

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('catalog');

describe('product change events', () => {
  const stack = new TestStack('catalogev');
  let env: Record<string, string>;
  let app: CatalogApp;
  let admin: string;
  let anyone: string;

  // A proof is refused once issued more than 35 s ago: each test gets fresh ones.
  beforeEach(async () => {
    admin = await mintProof({ sub: 'a1', roles: ['admin'] });
    anyone = await mintProof();
  });

  before(async () => {
    env = await catalogEnv(stack, 'events');
    app = await startTestCatalog(env);
    admin = await mintProof({ sub: 'a1', roles: ['admin'] });
    anyone = await mintProof();
  });
  after(async () => {
    await dropCatalogData(app, env);
    await app?.close();
    await stack.cleanup();
  });

  const priceSeen = async (query: string, id: string): Promise<number | undefined> => {
    const res = await gql<{ search: { hits: { product: { id: string; priceCents: number } }[] } }>(
      app.http.url,
      SEARCH,
      { q: query },
      anyone,
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.search.hits.find((h) => h.product.id === id)?.product.priceCents;
  };

  it('a price changed by an admin shows in search within a bounded wait, never the old one after', async () => {
    const create = await gql(
      app.http.url,
      `mutation ($i: CreateProductInput!) { createProduct(input: $i) { id } }`,
      {
        i: {
          id: 'zylo-1',
          sku: 'ZYLO-1',
          title: 'Zylophonic Desk Lamp',
          priceCents: 1000,
          categoryPath: ['Furniture', 'Lamps'],
        },
      },
      admin,
    );
    assert.equal(create.errors, undefined, JSON.stringify(create.errors));
    await waitUntil(async () => (await priceSeen('zylophonic', 'zylo-1')) === 1000, {
      timeoutMs: 30_000,
      what: 'the new product in search',
    });
    // The answer is now cached: the change must get past the cache too.
    assert.equal(await priceSeen('zylophonic', 'zylo-1'), 1000);
    const update = await gql(
      app.http.url,
      `mutation { updateProduct(id: "zylo-1", input: { priceCents: 1500 }) { priceCents } }`,
      {},
      admin,
    );
    assert.equal(update.errors, undefined, JSON.stringify(update.errors));
    await waitUntil(async () => (await priceSeen('zylophonic', 'zylo-1')) === 1500, {
      timeoutMs: 30_000,
      what: 'the new price in search',
    });
    for (let i = 0; i < 30; i++) assert.equal(await priceSeen('zylophonic', 'zylo-1'), 1500);
    const metrics = await (await fetch(app.http.url.replace(/\/graphql$/, '/metrics'))).text();
    assert.match(metrics, /catalog_search_cache_requests_total\{result="hit"[^}]*\} [1-9]/);
    assert.match(metrics, /catalog_search_cache_requests_total\{result="miss"[^}]*\} [1-9]/);
  });

  it('an admin archive takes the product out of search; a bad update names its fields', async () => {
    const bad = await gql(
      app.http.url,
      `mutation { updateProduct(id: "zylo-1", input: { priceCents: -1, currency: "usd" }) { id } }`,
      {},
      admin,
    );
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const ext = bad.errors?.[0]?.extensions as { fields?: { field: string }[] } | undefined;
    const fields = (ext?.fields ?? []).map((f) => f.field);
    assert.deepEqual(fields, ['priceCents', 'currency']);
    const archived = await gql(
      app.http.url,
      `mutation { archiveProduct(id: "zylo-1") { status } }`,
      {},
      admin,
    );
    assert.equal(archived.errors, undefined, JSON.stringify(archived.errors));
    await waitUntil(async () => (await priceSeen('zylophonic', 'zylo-1')) === undefined, {
      timeoutMs: 30_000,
      what: 'the archived product gone from search',
    });
  });

  it('a relay killed (SIGKILL) before publishing: the event is published once after restart', async () => {
    const topic = stack.ns.topic('catalog.relaycrash');
    const mongoDb = `${env.MONGODB_DATABASE}_relay`;
    // A "broker" that accepts connections and never answers: the relay holds the event, unsent.
    const held: Socket[] = [];
    let connections = 0;
    const blackhole = createServer((s) => {
      connections++;
      held.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const port = (blackhole.address() as { port: number }).port;
    const relayEnv = {
      ...env,
      MONGODB_DATABASE: mongoDb,
      CATALOG_EVENTS_TOPIC: topic,
      LOG_LEVEL: 'info',
    };
    const writer = await startTestCatalog({
      ...env,
      MONGODB_DATABASE: mongoDb,
      CATALOG_RELAY: 'false',
      CATALOG_INDEXER: 'false',
      SEARCH_INDEX_ALIAS: `${env.SEARCH_INDEX_ALIAS}_relay`,
    });
    const kafka = new Kafka({ brokers: [stack.env.KAFKA_BROKERS], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const consumer = kafka.consumer({ groupId: stack.ns.group('relay-crash-reader') });
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await writer.catalog.create({
        id: 'crash-1',
        sku: 'CRASH-1',
        title: 'Crash Lamp',
        priceCents: 100,
      });
      const docs = writer.mongo
        .db(mongoDb)
        .collection<{ _id: string; pendingEvent?: unknown }>('products');
      const first = spawnNode(RELAY, { ...relayEnv, KAFKA_BROKERS: `127.0.0.1:${port}` });
      await first.waitForLog((e) => e.msg === 'relay started', 'relay started');
      await waitUntil(() => connections > 0, {
        timeoutMs: 15_000,
        what: 'the relay trying to publish',
      });
      await first.kill();
      assert.ok(
        (await docs.findOne({ _id: 'crash-1' }))?.pendingEvent,
        'event kept after the crash',
      );

      const second = spawnNode(RELAY, relayEnv);
      await waitUntil(
        async () => (await docs.findOne({ _id: 'crash-1' }))?.pendingEvent === undefined,
        {
          timeoutMs: 30_000,
          what: 'the event published and cleared',
        },
      );
      await second.stop();

      // Count raw deliveries: everything on the topic up to its end.
      const high = (await admin.fetchTopicOffsets(topic))[0]?.high ?? '0';
      const seen: string[] = [];
      let offset = -1;
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(
            (JSON.parse(String(message.value)) as { data: { productId: string } }).data.productId,
          );
          offset = Number(message.offset);
        },
      });
      await waitUntil(() => offset + 1 >= Number(high), {
        timeoutMs: 30_000,
        what: 'the topic read to its end',
      });
      assert.deepEqual(seen, ['crash-1']);
    } finally {
      for (const s of held) s.destroy();
      blackhole.close();
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await writer.mongo
        .db(mongoDb)
        .dropDatabase()
        .catch(() => undefined);
      await writer.close();
    }
  });
});
