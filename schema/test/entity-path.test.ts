import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startService, TestStack, type RunningService } from '@shop/testing';
import { SignJWT } from 'jose';
import mysql from 'mysql2/promise';
import { repoRoot, SUBGRAPHS, supergraphPath } from '../src/composition/index.js';

/** Signs the proofs as the real gateway does; the subgraphs get the public half. */
const PROOF_KEYS = generateKeyPairSync('ed25519');

interface Caller {
  readonly sub?: string;
  readonly roles: string[];
}
const caller = (sub?: string, roles: string[] = []): Caller => ({ sub, roles });

/** A proof for `caller`, addressed to one subgraph (its `aud`), as the gateway signs it. */
const proofFor = (who: Caller, subgraph: string): Promise<string> => {
  const jwt = new SignJWT({ roles: who.roles, rid: 'entity-path-test' })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer('shop-gateway')
    .setAudience(subgraph)
    .setIssuedAt()
    .setExpirationTime('30s');
  if (who.sub !== undefined) jwt.setSubject(who.sub);
  return jwt.sign(PROOF_KEYS.privateKey);
};

interface Ctx {
  caller: Caller;
}

/**
 * The committed supergraph, served by a bare @apollo/gateway over the five subgraphs started as
 * real processes: proves the entities and keys resolve across subgraphs. (The real gateway, with
 * token verification and limits, has its own end-to-end tests.)
 */
describe('entity resolution across the five subgraphs', () => {
  const stack = new TestStack('entity-path');
  const mongoDatabase = stack.ns.mongoDatabase('catalog');
  const processes: RunningService[] = [];
  let server: ApolloServer<Ctx>;
  let ordersDb: string;

  const run = async <T>(
    query: string,
    variables: Record<string, unknown>,
    as: Caller,
  ): Promise<T> => {
    const res = await server.executeOperation(
      { query, variables },
      { contextValue: { caller: as } },
    );
    assert.equal(res.body.kind, 'single');
    const result = res.body.kind === 'single' ? res.body.singleResult : undefined;
    assert.equal(result?.errors, undefined, JSON.stringify(result?.errors));
    return JSON.parse(JSON.stringify(result?.data)) as T;
  };

  before(async () => {
    const dbs: Record<string, { url: string; mysqlEnv: Record<string, string> }> = {};
    for (const name of ['users', 'cart', 'orders', 'delivery', 'catalog'])
      dbs[name] = await stack.createDatabase(name);
    ordersDb = dbs.orders!.url;
    const common = {
      GATEWAY_PROOF_PUBLIC_KEY: PROOF_KEYS.publicKey
        .export({ type: 'spki', format: 'pem' })
        .toString(),
      NODE_ENV: 'test',
    };
    const envs: Record<string, Record<string, string>> = {
      catalog: {
        ...common,
        MONGODB_URL: stack.env.MONGODB_URL,
        MONGODB_DATABASE: mongoDatabase,
        ...dbs.catalog!.mysqlEnv,
        KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
        ELASTICSEARCH_URL: stack.env.ELASTICSEARCH_URL,
        REDIS_URL: stack.env.REDIS_URL,
        SEARCH_INDEX_ALIAS: stack.ns.index('products'),
        SEARCH_CACHE_PREFIX: `${stack.ns.redisPrefix}catalog:`,
        CATALOG_EVENTS_TOPIC: stack.ns.topic('catalog.events'),
        CATALOG_INDEXER_GROUP: stack.ns.group('catalog-indexer'),
        SEED_SAMPLE_WHEN_EMPTY: 'false',
        STOCK_COMMAND_TOPIC: stack.ns.topic('sagas.commands.catalog'),
        STOCK_COMMAND_GROUP: stack.ns.group('catalog.saga-commands'),
        // The replenishment participant and the parked-saga consumer, on this run's topics too.
        REPLENISHMENT_COMMAND_TOPIC: stack.ns.topic('sagas.commands.catalog-replenishment'),
        REPLENISHMENT_COMMAND_GROUP: stack.ns.group('catalog.replenishment-commands'),
        SAGA_EVENTS_TOPIC: stack.ns.topic('sagas.events'),
        CATALOG_SAGA_EVENTS_GROUP: stack.ns.group('catalog.saga-events'),
      },
      cart: { ...common, ...dbs.cart!.mysqlEnv },
      orders: {
        ...common,
        ...dbs.orders!.mysqlEnv,
        KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
        ORDERS_EVENTS_TOPIC: stack.ns.topic('orders.events'),
        ORDERS_COMMAND_TOPIC: stack.ns.topic('sagas.commands.orders'),
        ORDERS_COMMAND_GROUP: stack.ns.group('orders.saga-commands'),
        DELIVERY_EVENTS_TOPIC: stack.ns.topic('delivery.events'),
        SAGA_EVENTS_TOPIC: stack.ns.topic('sagas.events'),
        ORDERS_EVENTS_GROUP: stack.ns.group('orders.event-consumer'),
      },
      delivery: {
        ...common,
        // Delivery's saga participant and outbox: its command and event topics.
        ...dbs.delivery!.mysqlEnv,
        KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
        DELIVERY_EVENTS_TOPIC: stack.ns.topic('delivery.events'),
        DELIVERY_COMMAND_TOPIC: stack.ns.topic('sagas.commands.delivery'),
        DELIVERY_COMMAND_GROUP: stack.ns.group('delivery.saga-commands'),
      },
      users: {
        ...common,
        ...dbs.users!.mysqlEnv,
        PASSWORD_HASH_COST: '4',
        // Users' outbox and saga participant: its event and command topics.
        KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
        USERS_EVENTS_TOPIC: stack.ns.topic('users.events'),
        USERS_COMMAND_TOPIC: stack.ns.topic('sagas.commands.users'),
        USERS_COMMAND_GROUP: stack.ns.group('users.saga-commands'),
      },
    };
    const start = (name: string, extra: Record<string, string> = {}) => {
      const dir = path.join(repoRoot(), 'subgraphs', name);
      return startService(
        name,
        path.join(dir, 'dist', 'src', 'main.js'),
        { ...envs[name]!, LOG_LEVEL: 'info', ...extra },
        { cwd: dir, timeoutMs: 60_000 },
      );
    };
    // Cart prices its lines through catalog (a service call): catalog starts first.
    const catalogStarted = await Promise.allSettled([start('catalog')]);
    const catalog = catalogStarted[0];
    const catalogUrl = catalog?.status === 'fulfilled' ? `${catalog.value.url}/graphql` : '';
    const started = [
      ...catalogStarted,
      ...(await Promise.allSettled(
        SUBGRAPHS.filter(({ name }) => name !== 'catalog').map(({ name }) =>
          start(name, name === 'cart' ? { CATALOG_URL: catalogUrl } : {}),
        ),
      )),
    ];
    for (const s of started) if (s.status === 'fulfilled') processes.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;

    const urls = new Map(processes.map((p) => [p.name, `${p.url}/graphql`]));
    // @apollo/gateway refuses `for: SECURITY` links it cannot enforce; here the subgraphs enforce
    // @authenticated/@requiresScopes themselves (the real gateway also enforces them up front).
    const supergraphSdl = readFileSync(supergraphPath(), 'utf8').replace(
      /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v0\.1"), for: SECURITY\)/g,
      '$1)',
    );
    const gateway = new ApolloGateway({
      supergraphSdl,
      buildService: ({ name }) =>
        new RemoteGraphQLDataSource<Ctx>({
          url: urls.get(name),
          async willSendRequest({ request, context }) {
            request.http?.headers.set(
              'x-shop-gateway-proof',
              await proofFor((context as Ctx).caller, name),
            );
          },
        }),
    });
    server = new ApolloServer<Ctx>({ gateway });
    await server.start();
  });

  after(async () => {
    await server?.stop();
    await Promise.all(processes.map((p) => p.stop()));
    const { MongoClient } = await import('mongodb');
    const mongo = new MongoClient(stack.env.MONGODB_URL);
    await mongo
      .db(mongoDatabase)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
    await stack.cleanup();
  });

  it('me { cart { items { product { title } } } orders { id } } crosses users, cart, catalog and orders', async () => {
    const anon = caller();
    const reg = await run<{ register: { user: { id: string } } }>(
      'mutation ($i: RegisterInput!) { register(input: $i) { user { id } } }',
      { i: { email: `path-${stack.ns.runId}@example.com`, password: 'correct horse 42' } },
      anon,
    );
    const userId = reg.register.user.id;
    const alice = caller(userId, ['customer']);
    const admin = caller(crypto.randomUUID(), ['admin']);

    for (const [id, title] of [
      ['lamp', 'Desk Lamp'],
      ['chair', 'Office Chair'],
    ] as const) {
      await run(
        'mutation ($i: ProductInput!) { upsertProduct(input: $i) { id } }',
        { i: { id, title, priceCents: 1000 } },
        admin,
      );
    }
    await run('mutation { addToCart(productId: "lamp", quantity: 2) { id } }', {}, alice);
    await run('mutation { addToCart(productId: "chair", quantity: 1) { id } }', {}, alice);
    const orderId = crypto.randomUUID();
    const conn = await mysql.createConnection(ordersDb);
    try {
      await conn.query(
        'insert into orders (id, user_id, status, total_cents, `lines`, created_at) values (?, ?, ?, ?, ?, now(3))',
        [
          orderId,
          userId,
          'CONFIRMED',
          2000,
          JSON.stringify([{ productId: 'lamp', quantity: 2, unitPriceCents: 1000 }]),
        ],
      );
    } finally {
      await conn.end();
    }

    const data = await run<{
      me: {
        id: string;
        cart: { items: { quantity: number; product: { title: string } }[] };
        orders: { id: string; shipment: null; lines: { product: { title: string } }[] }[];
      };
    }>(
      '{ me { id cart { items { quantity product { title } } } orders { id shipment { id } lines { product { title } } } } }',
      {},
      alice,
    );
    assert.equal(data.me.id, userId);
    assert.deepEqual(data.me.cart.items, [
      { quantity: 2, product: { title: 'Desk Lamp' } },
      { quantity: 1, product: { title: 'Office Chair' } },
    ]);
    assert.deepEqual(data.me.orders, [
      { id: orderId, shipment: null, lines: [{ product: { title: 'Desk Lamp' } }] },
    ]);
  });
});
