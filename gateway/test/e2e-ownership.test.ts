// End to end through the real gateway and the real users, catalog, cart and orders subgraphs:
// one query crosses four subgraphs, and a customer never gets another customer's cart or orders.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedCarts } from '@shop/cart';
import { seedProducts } from '@shop/catalog';
import { seedOrders } from '@shop/orders';
import { TestStack, type RunningService } from '@shop/testing';
import { errorCode, gql, mintProof, repoRoot, startGateway, startSubgraph } from './harness.js';

const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`;

interface Registered {
  accessToken: string;
  user: { id: string };
}

describe('end to end: ownership across users, catalog, cart and orders', () => {
  const stack = new TestStack('gwown');
  const processes: RunningService[] = [];
  let gw: string;
  let cartUrl: string;
  let ordersUrl: string;
  let alice: Registered;
  let bob: Registered;
  let aliceOrder: string;
  let bobOrder: string;

  before(async () => {
    const [usersDb, cartDb, ordersDb, catalogDb] = await Promise.all([
      stack.createDatabase('users'),
      stack.createDatabase('cart'),
      stack.createDatabase('orders'),
      stack.createDatabase('catalog'),
    ]);
    const mongoDatabase = stack.ns.mongoDatabase('catalog');
    const common = { LOG_LEVEL: 'warn' };
    const [users, catalog, orders] = await Promise.all([
      startSubgraph('users', {
        ...common,
        LOG_LEVEL: 'info',
        ...usersDb.mysqlEnv,
        PASSWORD_HASH_COST: '4',
        // users publishes its events through Kafka: this run's broker and topics
        KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
        USERS_EVENTS_TOPIC: stack.ns.topic('users.events'),
        USERS_COMMAND_TOPIC: stack.ns.topic('sagas.commands.users'),
        USERS_COMMAND_GROUP: stack.ns.topic('users.saga-commands'),
      }),
      startSubgraph('catalog', {
        ...common,
        LOG_LEVEL: 'info',
        MONGODB_URL: stack.env.MONGODB_URL,
        MONGODB_DATABASE: mongoDatabase,
        ...catalogDb.mysqlEnv,
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
      }),
      startSubgraph('orders', {
        ...common,
        LOG_LEVEL: 'info',
        ...ordersDb.mysqlEnv,
        KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
        ORDERS_EVENTS_TOPIC: stack.ns.topic('orders.events'),
        ORDERS_COMMAND_TOPIC: stack.ns.topic('sagas.commands.orders'),
        ORDERS_COMMAND_GROUP: stack.ns.group('orders.saga-commands'),
        DELIVERY_EVENTS_TOPIC: stack.ns.topic('delivery.events'),
        SAGA_EVENTS_TOPIC: stack.ns.topic('sagas.events'),
        ORDERS_EVENTS_GROUP: stack.ns.group('orders.event-consumer'),
      }),
    ]);
    // Cart prices carts through catalog (its own service identity, the development key).
    const cart = await startSubgraph('cart', {
      ...common,
      LOG_LEVEL: 'info',
      ...cartDb.mysqlEnv,
      REDIS_URL: stack.env.REDIS_URL,
      REDIS_PREFIX: stack.ns.redisPrefix,
      CATALOG_URL: `${catalog.url}/graphql`,
    });
    processes.push(users, catalog, cart, orders);
    cartUrl = `${cart.url}/graphql`;
    ordersUrl = `${orders.url}/graphql`;
    const gateway = await startGateway({
      SUPERGRAPH_PATH: path.join(repoRoot, 'schema', 'supergraph.graphql'),
      SUBGRAPH_URLS: [users, catalog, cart, orders]
        .map((p) => `${p.name}=${p.url}/graphql`)
        .join(','),
      JWKS_URL: `${users.url}/.well-known/jwks.json`,
      REDIS_URL: stack.env.REDIS_URL,
      REDIS_PREFIX: stack.ns.redisPrefix,
    });
    processes.push(gateway);
    gw = gateway.url;

    const register = async (): Promise<Registered> => {
      const res = await gql<{ register: Registered }>(gw, REGISTER, {
        variables: {
          input: { email: `${crypto.randomUUID()}@shop.test`, password: 'Passw0rdPassw0rd' },
        },
      });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.register;
    };
    alice = await register();
    bob = await register();
    await seedProducts(stack.env.MONGODB_URL, mongoDatabase, [
      { id: 'lamp', title: 'Desk lamp', description: 'Warm light', priceCents: 2599 },
      { id: 'mug', title: 'Mug', description: 'Holds tea', priceCents: 899 },
    ]);
    await seedCarts(cartDb.url, [
      { userId: alice.user.id, items: [{ productId: 'lamp', quantity: 2 }] },
      { userId: bob.user.id, items: [{ productId: 'mug', quantity: 5 }] },
    ]);
    [aliceOrder, bobOrder] = (await seedOrders(ordersDb.url, [
      { userId: alice.user.id, lines: [{ productId: 'lamp', quantity: 1, unitPriceCents: 2599 }] },
      { userId: bob.user.id, lines: [{ productId: 'mug', quantity: 3, unitPriceCents: 899 }] },
    ])) as [string, string];
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await stack.cleanup();
  });

  it('me { cart { items { product { title } } } orders } crosses users, cart, catalog and orders', async () => {
    const res = await gql<{
      me: {
        id: string;
        cart: {
          itemCount: number;
          items: { quantity: number; product: { id: string; title: string } }[];
        };
        orders: { id: string; totalCents: number }[];
      };
    }>(
      gw,
      '{ me { id cart { itemCount items { quantity product { id title } } } orders { id totalCents } } }',
      {
        token: alice.accessToken,
      },
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(res.data?.me.id, alice.user.id);
    assert.deepEqual(res.data?.me.cart.items, [
      { quantity: 2, product: { id: 'lamp', title: 'Desk lamp' } },
    ]);
    assert.deepEqual(res.data?.me.orders, [{ id: aliceOrder, totalCents: 2599 }]);
  });

  it("a customer asking for another customer's order gets nothing", async () => {
    const res = await gql<{ order: unknown }>(
      gw,
      `{ order(id: "${bobOrder}") { id totalCents lines { quantity } } }`,
      {
        token: alice.accessToken,
      },
    );
    assert.ok(
      res.data?.order === null || errorCode(res) === 'FORBIDDEN' || errorCode(res) === 'NOT_FOUND',
      JSON.stringify(res),
    );
    assert.doesNotMatch(JSON.stringify(res), /2697|"quantity":3/);
    const mine = await gql<{ myOrders: { nodes: { id: string }[] } }>(
      gw,
      '{ myOrders { nodes { id } } }',
      { token: alice.accessToken },
    );
    assert.deepEqual(mine.data?.myOrders.nodes, [{ id: aliceOrder }]);
  });

  it("even with a valid proof for her, the _entities back door gives no one else's cart or orders", async () => {
    const ask = async (url: string, subgraph: string, field: string) => {
      const proof = await mintProof(subgraph, { sub: alice.user.id, roles: ['customer'] });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shop-gateway-proof': proof },
        body: JSON.stringify({
          query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { ${field} } } }`,
          variables: { r: [{ __typename: 'User', id: bob.user.id }] },
        }),
      });
      return (await res.json()) as {
        data?: { _entities: unknown[] } | null;
        errors?: { extensions?: { code?: string } }[];
      };
    };
    const cart = await ask(
      cartUrl,
      'cart',
      'cart { items { quantity productId: product { id } } }',
    );
    const orders = await ask(ordersUrl, 'orders', 'orders { id totalCents }');
    for (const res of [cart, orders]) {
      const code = res.errors?.[0]?.extensions?.code;
      const entity = res.data?._entities?.[0] as Record<string, unknown> | null | undefined;
      const leaked =
        entity !== null &&
        entity !== undefined &&
        Object.values(entity).some((v) => v !== null && !(Array.isArray(v) && v.length === 0));
      assert.ok(code === 'FORBIDDEN' || !leaked, JSON.stringify(res));
    }
    assert.doesNotMatch(JSON.stringify(cart), /"quantity":5|mug/);
    assert.doesNotMatch(JSON.stringify(orders), new RegExp(bobOrder));
  });

  it('schema-declared access is enforced at the gateway: anonymous cart, customer asking for partner shipments', async () => {
    assert.equal(errorCode(await gql(gw, '{ myCart { id } }')), 'UNAUTHENTICATED');
    assert.equal(
      errorCode(await gql(gw, '{ myShipments { id } }', { token: alice.accessToken })),
      'FORBIDDEN',
    );
    const product = await gql<{ product: { title: string } }>(
      gw,
      '{ product(id: "mug") { title priceCents } }',
    );
    assert.equal(product.data?.product.title, 'Mug');
  });
});
