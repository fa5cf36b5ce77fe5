// The checkout end-to-end world: the gateway, the five subgraphs and the saga orchestrator (and,
// when asked, the notification worker) as real processes on the local stack, in this run's own
// databases, topics and Redis prefix; helpers to call the gateway over HTTP and to read what each
// service owns (stock, payments, shipments, the emails sent).
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedProducts } from '@shop/catalog';
import { seedDelivery, type PartnerSeed } from '@shop/delivery';
import {
  freePort,
  spawnNode,
  startService,
  waitUntil,
  type CaughtMail,
  type Child,
  type RunningService,
  type TestStack,
} from '@shop/testing';
import { seedUsers } from '@shop/users';
import mysql from 'mysql2/promise';
import { notifyWorkerEnv, startNotifyWorker } from '../notifications-support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from sagas/dist/test/e2e). */
export const repoRoot = path.resolve(here, '..', '..', '..', '..');

/** The simulated provider's test cards (orders' `TEST_CARDS`). */
export const CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  timeout: '4000000000000259',
  flaky: '4000000000000770',
} as const;

export const PASSWORD = 'Passw0rdPassw0rd';

export type ServiceName = 'users' | 'catalog' | 'cart' | 'orders' | 'delivery';

export interface GqlResult<T> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface Customer {
  readonly token: string;
  readonly userId: string;
  readonly email: string;
  /** The X-Forwarded-For address its requests come from (limits are per client address). */
  readonly address: string;
}

export interface OrderView {
  id: string;
  status: string;
  failureReason: string | null;
  totalCents: number;
  payment: { status: string; capturedCents: number; refundedCents: number } | null;
}

export const ORDER_FIELDS =
  'id status failureReason totalCents payment { status capturedCents refundedCents }';

export interface ShippingAddress {
  name: string;
  line1: string;
  city: string;
  region?: string;
  postalCode: string;
  country: string;
}

export const address = (postalCode = '10001'): ShippingAddress => ({
  name: 'Ann Buyer',
  line1: '1 Main St',
  city: 'New York',
  region: 'NY',
  postalCode,
  country: 'US',
});

const PROOF_KEYS = generateKeyPairSync('ed25519');

let clientCounter = 0;
/** A fresh client address for X-Forwarded-For (the gateway trusts loopback as its proxy). */
const nextAddress = (): string => {
  clientCounter += 1;
  return `10.${(clientCounter >> 16) & 255}.${(clientCounter >> 8) & 255}.${clientCounter & 255}`;
};

export interface CheckoutWorldOptions {
  /** Delivery partners seeded at start. @default one partner serving New York (100–102) */
  readonly partners?: readonly PartnerSeed[];
  /**
   * Also run the notification worker as a process (its own database, this run's topics, the
   * stack's MailDev), so the journeys' emails can be read back. @default false
   */
  readonly notifications?: boolean;
  /**
   * Run the registration bonus: the orchestrator reads this run's users events (without it, no
   * bonus saga runs and customers start without credit). @default false
   */
  readonly bonus?: boolean;
}

/** One checkout world; `close()` stops every process and drops the run's databases. */
export class CheckoutWorld {
  gateway!: RunningService;
  readonly services = new Map<ServiceName, RunningService>();
  orchestrator!: Child;
  notifier: Child | undefined;
  adminToken = '';
  private readonly env = new Map<ServiceName, Record<string, string>>();
  private orchestratorEnv: Record<string, string> = {};
  private pools = new Map<string, mysql.Pool>();
  private dbUrls = new Map<string, string>();
  private mongoDatabase = '';

  private constructor(
    readonly stack: TestStack,
    private readonly options: CheckoutWorldOptions,
  ) {}

  static async open(stack: TestStack, options: CheckoutWorldOptions = {}): Promise<CheckoutWorld> {
    const world = new CheckoutWorld(stack, options);
    await world.start();
    return world;
  }

  private async start(): Promise<void> {
    const { stack } = this;
    const ns = stack.ns;
    const databases = ['users', 'catalog', 'cart', 'orders', 'delivery', 'sagas'];
    if (this.options.notifications === true) databases.push('notify');
    const dbs = await Promise.all(
      databases.map(async (name) => [name, await stack.createDatabase(name)] as const),
    );
    const db = Object.fromEntries(dbs);
    for (const [name, d] of dbs) this.dbUrls.set(name, d.url);
    this.mongoDatabase = ns.mongoDatabase('catalog');
    const kafka = stack.env.KAFKA_BROKERS;
    const topics = {
      orders: ns.topic('orders.events'),
      catalog: ns.topic('catalog.events'),
      delivery: ns.topic('delivery.events'),
      users: ns.topic('users.events'),
      sagas: ns.topic('sagas.events'),
      replies: ns.topic('sagas.replies'),
      commandPrefix: ns.topic('sagas.commands.'),
    };
    const common = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      GATEWAY_PROOF_PUBLIC_KEY: PROOF_KEYS.publicKey
        .export({ type: 'spki', format: 'pem' })
        .toString(),
    };
    const ports = Object.fromEntries(
      await Promise.all(
        (['users', 'catalog', 'cart', 'orders', 'delivery'] as const).map(
          async (n) => [n, String(await freePort())] as const,
        ),
      ),
    ) as Record<ServiceName, string>;
    const url = (n: ServiceName) => `http://127.0.0.1:${ports[n]}/graphql`;
    this.env.set('users', {
      ...common,
      PORT: ports.users,
      ...db.users!.mysqlEnv,
      PASSWORD_HASH_COST: '4',
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      USERS_EVENTS_TOPIC: topics.users,
      USERS_COMMAND_TOPIC: stack.ns.topic('sagas.commands.users'),
      USERS_COMMAND_GROUP: stack.ns.group('users.saga-commands'),
    });
    this.env.set('catalog', {
      ...common,
      PORT: ports.catalog,
      ...db.catalog!.mysqlEnv,
      MONGODB_URL: stack.env.MONGODB_URL,
      MONGODB_DATABASE: this.mongoDatabase,
      KAFKA_BROKERS: kafka,
      ELASTICSEARCH_URL: stack.env.ELASTICSEARCH_URL,
      REDIS_URL: stack.env.REDIS_URL,
      SEARCH_INDEX_ALIAS: ns.index('products'),
      SEARCH_CACHE_PREFIX: `${ns.redisPrefix}catalog:`,
      CATALOG_EVENTS_TOPIC: topics.catalog,
      CATALOG_INDEXER_GROUP: ns.group('catalog-indexer'),
      SEED_SAMPLE_WHEN_EMPTY: 'false',
      STOCK_COMMAND_TOPIC: `${topics.commandPrefix}catalog`,
      STOCK_COMMAND_GROUP: ns.group('catalog.saga-commands'),
      REPLENISHMENT_COMMAND_TOPIC: `${topics.commandPrefix}catalog-replenishment`,
      REPLENISHMENT_COMMAND_GROUP: ns.group('catalog.replenishment-commands'),
      // Replenishment: the simulated supplier delivers quickly, the goods inward poll is short,
      // and catalog hears about parked replenishment sagas on this run's topic.
      SUPPLIER_LEAD_TIME_MS: '1500',
      GOODS_INWARD_POLL_MS: '200',
      SAGA_EVENTS_TOPIC: topics.sagas,
      CATALOG_SAGA_EVENTS_GROUP: ns.group('catalog.saga-events'),
    });
    this.env.set('cart', {
      ...common,
      PORT: ports.cart,
      ...db.cart!.mysqlEnv,
      REDIS_URL: stack.env.REDIS_URL,
      REDIS_PREFIX: `${ns.redisPrefix}cart:`,
      CATALOG_URL: url('catalog'),
      CATALOG_TIMEOUT_MS: '10000',
    });
    this.env.set('orders', {
      ...common,
      PORT: ports.orders,
      ...db.orders!.mysqlEnv,
      KAFKA_BROKERS: kafka,
      ORDERS_EVENTS_TOPIC: topics.orders,
      ORDERS_COMMAND_TOPIC: `${topics.commandPrefix}orders`,
      ORDERS_COMMAND_GROUP: ns.group('orders.saga-commands'),
      DELIVERY_EVENTS_TOPIC: topics.delivery,
      SAGA_EVENTS_TOPIC: topics.sagas,
      ORDERS_EVENTS_GROUP: ns.group('orders.event-consumer'),
      CART_URL: url('cart'),
      USERS_URL: url('users'),
      // Deadlines for a 2-core machine shared by several test runs, not for production.
      SERVICE_CALL_TIMEOUT_MS: '10000',
    });
    this.env.set('delivery', {
      ...common,
      PORT: ports.delivery,
      ...db.delivery!.mysqlEnv,
      KAFKA_BROKERS: kafka,
      DELIVERY_EVENTS_TOPIC: topics.delivery,
      DELIVERY_COMMAND_TOPIC: `${topics.commandPrefix}delivery`,
      DELIVERY_COMMAND_GROUP: ns.group('delivery.saga-commands'),
    });
    this.orchestratorEnv = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      SAGAS_MYSQL_URL: db.sagas!.url,
      KAFKA_BROKERS: kafka,
      OPS_PORT: '0',
      SAGAS_GROUP_ID: ns.group('sagas.orchestrator'),
      SAGAS_REPLY_TOPIC: topics.replies,
      SAGAS_EVENTS_TOPIC: topics.sagas,
      SAGAS_COMMAND_TOPIC_PREFIX: topics.commandPrefix,
      SAGAS_ORDERS_EVENTS_TOPIC: topics.orders,
      SAGAS_CATALOG_EVENTS_TOPIC: topics.catalog,
      ...(this.options.bonus === true
        ? {
            SAGAS_USERS_EVENTS_TOPIC: topics.users,
            // Longer than a SIGKILLed member's session: timeouts are not what these tests prove.
            BONUS_STEP_TIMEOUT_MS: '20000',
          }
        : {}),
      SAGAS_RELAY_LEASE_MS: '2000',
    };
    // The orchestrator creates the reply, event and command topics before anyone subscribes; the
    // worker creates the three it reads, and joins before any event is published.
    await Promise.all([
      this.startOrchestrator(),
      this.options.notifications === true
        ? startNotifyWorker(
            notifyWorkerEnv(stack, {
              dbUrl: db.notify!.url,
              groupId: ns.group('notifications'),
              topics,
            }),
          ).then((worker) => (this.notifier = worker))
        : undefined,
    ]);
    await Promise.all((['users', 'catalog', 'delivery'] as const).map((n) => this.startService(n)));
    await this.startService('cart');
    await this.startService('orders');
    this.gateway = await startService(
      'gateway',
      path.join(repoRoot, 'gateway', 'dist', 'src', 'main.js'),
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        OPS_PORT: '0',
        GATEWAY_PROOF_PRIVATE_KEY: PROOF_KEYS.privateKey
          .export({ type: 'pkcs8', format: 'pem' })
          .toString(),
        SUPERGRAPH_PATH: path.join(repoRoot, 'schema', 'supergraph.graphql'),
        SUBGRAPH_URLS: (['users', 'catalog', 'cart', 'orders', 'delivery'] as const)
          .map((n) => `${n}=${url(n)}`)
          .join(','),
        JWKS_URL: `http://127.0.0.1:${ports.users}/.well-known/jwks.json`,
        REDIS_URL: stack.env.REDIS_URL,
        REDIS_PREFIX: `${ns.redisPrefix}gw:`,
        // Each simulated customer comes from its own address (limits are per client address).
        TRUST_PROXY: '127.0.0.1',
        HTTP_RATE_PER_SECOND: '1000',
        HTTP_BURST: '2000',
        SUBGRAPH_TIMEOUT_MS: '60000',
      },
      // As for the subgraphs: at load 50 the gateway missed the default 30 s.
      { cwd: repoRoot, timeoutMs: 120_000 },
    );
    await seedDelivery(db.delivery!.url, {
      partners: this.options.partners ?? [
        {
          userId: 'partner-nyc',
          name: 'Nia NYC',
          capacity: 100_000,
          homePostalCode: '10001',
          serviceAreas: ['100', '101', '102'],
        },
      ],
    });
    this.adminToken = (await this.provision(`admin-${ns.runId}@shop.test`, 'admin')).token;
  }

  /** An account made in users' database (admins and partners cannot register), logged in. */
  private async provision(
    email: string,
    role: 'admin' | 'partner',
  ): Promise<{ userId: string; token: string }> {
    const [userId] = await seedUsers(
      this.dbUrls.get('users')!,
      [{ email, password: PASSWORD, roles: [role] }],
      { passwordHashCost: 4 },
    );
    const login = await this.gql<{ login: { accessToken: string } }>(
      'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
      { input: { email, password: PASSWORD } },
    );
    if (login.data?.login === undefined) throw new Error(`${role} login: ${JSON.stringify(login)}`);
    return { userId: userId!, token: login.data.login.accessToken };
  }

  /**
   * A delivery partner who can sign in: a users account with the partner role and its delivery
   * profile (available, with the seed's service areas). Returns its token.
   */
  async partner(seed: Omit<PartnerSeed, 'userId'>): Promise<{ userId: string; token: string }> {
    const account = await this.provision(`partner-${crypto.randomUUID()}@shop.test`, 'partner');
    await seedDelivery(this.dbUrls.get('delivery')!, {
      partners: [{ ...seed, userId: account.userId }],
    });
    return account;
  }

  async startService(name: ServiceName): Promise<RunningService> {
    const service = await startService(
      name,
      path.join(repoRoot, 'subgraphs', name, 'dist', 'src', 'main.js'),
      this.env.get(name)!,
      // Two minutes: at a load average above 30 on two cores, users alone took over 60 s to listen.
      { cwd: repoRoot, timeoutMs: 120_000 },
    );
    this.services.set(name, service);
    return service;
  }

  async startOrchestrator(): Promise<Child> {
    this.orchestrator = spawnNode(
      path.join(repoRoot, 'sagas', 'dist', 'src', 'main.js'),
      this.orchestratorEnv,
    );
    await this.orchestrator.waitForLog(
      (e) => e.msg === 'orchestrator started',
      '"orchestrator started"',
      60_000,
    );
    return this.orchestrator;
  }

  /** SIGKILLs a service or the orchestrator and starts it again (same port, same settings). */
  async kill(name: ServiceName | 'orchestrator'): Promise<void> {
    if (name === 'orchestrator') {
      await this.orchestrator.kill('SIGKILL');
      await this.startOrchestrator();
      return;
    }
    await this.services.get(name)!.child.kill('SIGKILL');
    await this.startService(name);
  }

  /** POSTs one operation to the gateway. */
  async gql<T>(
    query: string,
    variables: Record<string, unknown> = {},
    as: { token?: string; address?: string } = {},
  ): Promise<GqlResult<T>> {
    const res = await fetch(`${this.gateway.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': as.address ?? nextAddress(),
        ...(as.token === undefined ? {} : { authorization: `Bearer ${as.token}` }),
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    try {
      return { status: res.status, ...(JSON.parse(text) as Omit<GqlResult<T>, 'status'>) };
    } catch {
      return { status: res.status, errors: [{ message: text }] };
    }
  }

  /** Like `gql` for a customer or partner (the admin when undefined), throwing on any error. */
  async ok<T>(
    customer: { token: string; address?: string } | undefined,
    query: string,
    variables = {},
  ): Promise<T> {
    const res = await this.gql<T>(query, variables, customer ?? { token: this.adminToken });
    if (res.errors !== undefined || res.data == null)
      throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(res.errors ?? res)}`);
    return res.data;
  }

  /**
   * Registers a customer through the gateway, from an address of its own. Users hashes passwords
   * on a bounded queue and answers RATE_LIMITED past it: such a register is tried again after its
   * `retryAfter`, within a deadline.
   */
  async customer(): Promise<Customer> {
    const address = nextAddress();
    const email = `${crypto.randomUUID()}@shop.test`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await this.gql<{ register: { accessToken: string; user: { id: string } } }>(
        'mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
        { input: { email, password: PASSWORD } },
        { address },
      );
      const r = res.data?.register;
      if (r != null) return { token: r.accessToken, userId: r.user.id, email, address };
      const limited = res.errors?.[0]?.extensions;
      if (limited?.code !== 'RATE_LIMITED' || Date.now() > deadline)
        throw new Error(`register: ${JSON.stringify(res.errors)}`);
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
    }
  }

  /** `n` customers, registered a few at a time. */
  async customers(n: number): Promise<Customer[]> {
    const made: Customer[] = [];
    while (made.length < n)
      made.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(8, n - made.length) }, () => this.customer()),
        )),
      );
    return made;
  }

  /** Products straight into catalog's MongoDB, then indexed (admin reindex) and stocked. */
  async products(
    products: readonly { id: string; title: string; priceCents: number; stock: number }[],
  ): Promise<void> {
    await seedProducts(
      this.stack.env.MONGODB_URL,
      this.mongoDatabase,
      products.map((p) => ({
        id: p.id,
        title: p.title,
        description: `${p.title} for the checkout tests`,
        priceCents: p.priceCents,
      })),
    );
    for (const p of products) await this.setStock(p.id, p.stock);
    await this.ok(undefined, 'mutation { reindexProducts { __typename } }');
  }

  async setStock(productId: string, onHand: number): Promise<void> {
    await this.ok(
      undefined,
      'mutation ($input: AdjustStockInput!) { adjustStock(input: $input) { productId } }',
      { input: { productId, setOnHand: onHand } },
    );
  }

  async stock(productId: string): Promise<{ onHand: number; reserved: number }> {
    const [row] = await this.rows<{ on_hand: number; reserved: number }>(
      'catalog',
      'SELECT on_hand, reserved FROM stock WHERE product_id = ?',
      [productId],
    );
    return { onHand: Number(row?.on_hand ?? 0), reserved: Number(row?.reserved ?? 0) };
  }

  /** Reservations of these orders still holding stock (held, never committed or released). */
  async heldReservations(orderIds: readonly string[]): Promise<string[]> {
    if (orderIds.length === 0) return [];
    const rows = await this.rows<{ order_id: string }>(
      'catalog',
      `SELECT order_id FROM stock_reservation WHERE status = 'held' AND order_id IN (${orderIds
        .map(() => '?')
        .join(',')})`,
      [...orderIds],
    );
    return rows.map((r) => r.order_id);
  }

  /** The simulated provider's books for an order: succeeded calls by kind (authorize, capture, refund). */
  async providerCalls(orderId: string): Promise<Record<string, number>> {
    const rows = await this.rows<{ kind: string; n: number | string }>(
      'orders',
      `SELECT kind, COUNT(*) AS n FROM simulated_provider_charge
       WHERE idempotency_key LIKE ? AND outcome = 'succeeded' GROUP BY kind`,
      [`%:${orderId}`],
    );
    return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
  }

  /** The order's shipment as delivery holds it. */
  async shipment(
    orderId: string,
  ): Promise<{ status: string; partner_id: string | null } | undefined> {
    const [row] = await this.rows<{ status: string; partner_id: string | null }>(
      'delivery',
      'SELECT status, partner_id FROM shipments WHERE order_id = ?',
      [orderId],
    );
    return row;
  }

  async addToCart(customer: Customer, productId: string, quantity: number): Promise<void> {
    await this.ok(
      customer,
      'mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { id } }',
      { p: productId, q: quantity },
    );
  }

  placeOrder(
    customer: Customer,
    card: string,
    options: { key?: string; address?: ShippingAddress; creditCents?: number } = {},
  ): Promise<GqlResult<{ placeOrder: OrderView }>> {
    return this.gql(
      `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`,
      {
        input: {
          shippingAddress: options.address ?? address(),
          paymentMethod: card,
          idempotencyKey: options.key ?? crypto.randomUUID(),
          ...(options.creditCents === undefined ? {} : { creditCents: options.creditCents }),
        },
      },
      customer,
    );
  }

  async order(customer: Customer, id: string): Promise<OrderView | null> {
    const data = await this.ok<{ order: OrderView | null }>(
      customer,
      `query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`,
      { id },
    );
    return data.order;
  }

  /** Waits until the order is in one of `statuses` (a saga finishing), read through the gateway. */
  settled(
    customer: Customer,
    id: string,
    statuses: readonly string[] = ['CONFIRMED', 'FAILED'],
    timeoutMs = 90_000,
  ): Promise<OrderView> {
    return waitUntil(
      async () => {
        const o = await this.order(customer, id);
        return o !== null && statuses.includes(o.status) ? o : undefined;
      },
      { timeoutMs, intervalMs: 200, what: `order ${id} to be ${statuses.join(' or ')}` },
    );
  }

  /** How many of these orders are neither CONFIRMED nor FAILED yet (their sagas in flight). */
  async unsettled(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const [row] = await this.rows<{ n: number | string }>(
      'orders',
      `SELECT COUNT(*) AS n FROM orders WHERE status NOT IN ('CONFIRMED', 'FAILED') AND id IN (${ids
        .map(() => '?')
        .join(',')})`,
      [...ids],
    );
    return Number(row?.n ?? 0);
  }

  /**
   * Waits until every order is CONFIRMED or FAILED, watching orders' database with one query per
   * poll (a hundred customers polling the gateway would load the machine more than the checkouts),
   * then reads each through the gateway as its customer.
   */
  async settledAll(
    placed: readonly { c: Customer; id: string }[],
    timeoutMs = 300_000,
  ): Promise<OrderView[]> {
    const ids = placed.map((p) => p.id);
    await waitUntil(
      async () => {
        const [row] = await this.rows<{ n: number | string }>(
          'orders',
          `SELECT COUNT(*) AS n FROM orders WHERE status IN ('CONFIRMED', 'FAILED') AND id IN (${ids
            .map(() => '?')
            .join(',')})`,
          ids,
        );
        return Number(row?.n) === ids.length;
      },
      { timeoutMs, intervalMs: 500, what: `${ids.length} orders to be CONFIRMED or FAILED` },
    ).catch(async (err: unknown) => {
      // Where they stand, for the failure message: orders' statuses and the sagas' steps.
      const orders = await this.rows(
        'orders',
        'SELECT status, COUNT(*) AS n FROM orders GROUP BY status',
      );
      const sagas = await this.rows(
        'sagas',
        'SELECT type, status, current_step, COUNT(*) AS n FROM saga_instance GROUP BY 1, 2, 3',
      );
      throw new Error(
        `${String(err)}; orders ${JSON.stringify(orders)}; sagas ${JSON.stringify(sagas)}`,
      );
    });
    const views: OrderView[] = [];
    for (const { c, id } of placed) views.push((await this.order(c, id))!);
    return views;
  }

  /**
   * The mail MailDev caught for the customer, once `count` messages have reached it and the
   * notification worker holds none of its emails mid-send (its ledger has every row SENT). The
   * welcome email is left out: this world's orchestrator runs no registration bonus, which that
   * email waits for.
   */
  async mailsTo(customer: Customer, count: number): Promise<CaughtMail[]> {
    return waitUntil(
      async () => {
        const mails = (await this.stack.mailbox.to(customer.email)).filter(
          (m) => !m.subject.startsWith('Welcome'),
        );
        if (mails.length < count) return undefined;
        const ledger = await this.rows<{ status: string }>(
          'notify',
          "SELECT status FROM notification_email WHERE recipient = ? AND template <> 'welcome'",
          [customer.email],
        );
        return ledger.length >= count && ledger.every((r) => r.status === 'SENT')
          ? mails
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: `${count} email(s) to ${customer.email}` },
    );
  }

  async rows<T>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
    let pool = this.pools.get(database);
    if (pool === undefined) {
      pool = mysql.createPool({ uri: this.dbUrls.get(database)!, connectionLimit: 4 });
      this.pools.set(database, pool);
    }
    return (await pool.query(sql, params))[0] as T[];
  }

  async close(): Promise<void> {
    await Promise.all([
      this.gateway?.stop(),
      ...[...this.services.values()].map((s) => s.stop()),
      this.orchestrator?.stop(),
      this.notifier?.stop(),
    ]);
    await Promise.all([...this.pools.values()].map((p) => p.end()));
    await this.stack.cleanup();
  }
}
