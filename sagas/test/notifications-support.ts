import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/mysql';
import { KafkaBus, openMessagingOrm, sqlRows, type KafkaPublisher } from '@shop/messaging';
import { spawnNode, type CaughtMail, type Child, type TestStack } from '@shop/testing';
import { NOTIFICATION_TABLES_DDL } from '../src/notifications/email-ledger.js';
import type { SampleEvent, SourceTopic } from '../src/notifications/sample-events.js';
import { testLogger } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const NOTIFY_MAIN = path.resolve(here, '..', 'src', 'notifications', 'main.js');

/** One notification test run: its own database, topics, consumer group, publisher. */
export interface NotifyWorld {
  readonly dbUrl: string;
  readonly topics: Record<SourceTopic, string>;
  readonly groupId: string;
  readonly bus: KafkaBus;
  readonly orm: MikroORM;
  /** Publishes events to real Kafka as a producer would (JSON envelope, keyed by aggregate). */
  publish(...events: SampleEvent[]): Promise<void>;
  /** Starts a worker process and waits until its consumer joined the group. */
  startWorker(env?: Record<string, string>): Promise<Child>;
  /** Ledger rows by status. */
  ledger(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function openNotifyWorld(stack: TestStack, name: string): Promise<NotifyWorld> {
  const db = await stack.createDatabase('notify');
  const topics: Record<SourceTopic, string> = {
    orders: stack.ns.topic('orders.events'),
    delivery: stack.ns.topic('delivery.events'),
    users: stack.ns.topic('users.events'),
    sagas: stack.ns.topic('sagas.events'),
  };
  const groupId = `${stack.ns.runId}.notifications`;
  const bus = new KafkaBus({
    brokers: stack.env.KAFKA_BROKERS.split(','),
    clientId: name,
    logger: testLogger(name),
  });
  await bus.ensureTopics(Object.values(topics));
  const orm = await openMessagingOrm(db.url, NOTIFICATION_TABLES_DDL);
  let publisher: KafkaPublisher | undefined;
  return {
    dbUrl: db.url,
    topics,
    groupId,
    bus,
    orm,
    async publish(...events) {
      publisher ??= bus.createPublisher();
      await publisher.send(
        events.map((e) => ({
          topic: topics[e.topic],
          key: e.envelope.key,
          value: JSON.stringify(e.envelope),
        })),
      );
    },
    startWorker: (env = {}) =>
      startNotifyWorker(
        {
          ...notifyWorkerEnv(stack, { dbUrl: db.url, groupId, topics }),
          NOTIFY_RETRY_INITIAL_MS: '200',
          NOTIFY_RETRY_MAX_MS: '1000',
        },
        env,
      ),
    async ledger() {
      const rows = await sqlRows<{ status: string; n: number | string }>(
        orm.em.fork(),
        'SELECT status, COUNT(*) AS n FROM notification_email GROUP BY status',
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    async close() {
      await publisher?.close();
      await bus.deleteTopics([...Object.values(topics), `${groupId}.dlq`]).catch(() => undefined);
      await bus.close();
      await orm.close(true);
    },
  };
}

/** A worker process's settings: this run's database, topics, group and the stack's MailDev. */
export function notifyWorkerEnv(
  stack: TestStack,
  run: { dbUrl: string; groupId: string; topics: Record<SourceTopic, string> },
): Record<string, string> {
  return {
    NOTIFY_MYSQL_URL: run.dbUrl,
    KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
    SMTP_URL: stack.env.SMTP_URL,
    NOTIFY_OPS_PORT: '0',
    NOTIFY_GROUP_ID: run.groupId,
    NOTIFY_ORDERS_TOPIC: run.topics.orders,
    NOTIFY_DELIVERY_TOPIC: run.topics.delivery,
    NOTIFY_USERS_TOPIC: run.topics.users,
    NOTIFY_SAGAS_TOPIC: run.topics.sagas,
    // The worker logs its readiness at info; TEST_LOG_LEVEL=debug shows more.
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
  };
}

/** Starts a worker process (`env` over `base`) and waits until its consumer joined the group. */
export async function startNotifyWorker(
  base: Record<string, string>,
  env: Record<string, string> = {},
): Promise<Child> {
  const child = spawnNode(NOTIFY_MAIN, { ...base, ...env });
  await child.waitForLine('notification consumer joined its group', 60_000);
  return child;
}

/** The Message-ID header of a caught mail (MailDev lower-cases header names). */
export const messageIdOfMail = (m: CaughtMail): string | undefined =>
  m.headers['message-id'] ?? m.headers['Message-ID'];

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Asserts each text is in the mail's plain-text part, and (HTML-escaped) in its HTML part. */
export function assertInBothParts(mail: CaughtMail, texts: readonly string[], label: string): void {
  for (const text of texts) {
    assert.ok(mail.text?.includes(text), `${label}: text part has ${text}`);
    const escaped = text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
    assert.ok(mail.html?.includes(escaped), `${label}: html part has ${text}`);
  }
}

/**
 * Asserts the mails are exactly one per expected subject and each carries its own worker
 * Message-ID (derived from the event id, so a second copy of one event's email shares it), and
 * returns them by subject.
 */
export function assertOneEmailEach(
  mails: readonly CaughtMail[],
  subjects: readonly string[],
): Map<string, CaughtMail> {
  assert.deepEqual(
    mails.map((m) => m.subject).sort(),
    [...subjects].sort(),
    'one email per expected subject, nothing else',
  );
  const ids = mails.map(messageIdOfMail);
  for (const id of ids) assert.match(id ?? '', /^<.+@shop\.notifications>$/, 'a worker Message-ID');
  assert.equal(new Set(ids).size, mails.length, 'no Message-ID (event) twice');
  return new Map(mails.map((m) => [m.subject, m]));
}

/** The `/metrics` text of a worker, whose ops port it logged at start. */
export async function scrapeMetrics(worker: Child): Promise<string> {
  const started = await worker.waitForLog(
    (e) => e.msg === 'notification worker started',
    'the start line',
  );
  const res = await fetch(`http://127.0.0.1:${String(started.port)}/metrics`);
  return res.text();
}

/** The value of one series in a Prometheus text exposition (0 when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/**
 * A TCP proxy in front of the SMTP server: `down()` drops every connection and refuses new ones
 * (a relay that is down), `stall()` accepts connections and never answers (a paused relay), `up()`
 * forwards again. The worker is pointed at the proxy's port.
 */
export class SmtpOutage {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private mode: 'up' | 'stall' = 'up';
  port = 0;
  /** Client connections accepted so far. */
  connections = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.mode === 'stall') this.drop();
    this.mode = 'up';
    await this.listen();
  }

  async stall(): Promise<void> {
    this.drop();
    this.mode = 'stall';
    await this.listen();
  }

  async down(): Promise<void> {
    this.drop();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((r) => server.close(() => r()));
  }

  private drop(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private async listen(): Promise<void> {
    if (this.server !== undefined) return;
    const server = net.createServer((client) => {
      this.connections++;
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      if (this.mode === 'stall') return;
      const upstream = net.connect(this.target);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    await this.down();
  }
}
