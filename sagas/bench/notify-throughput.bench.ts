// Emails per second through the notification worker (Kafka → inbox → ledger → render → SMTP) vs
// nodemailer sending the same rendered messages straight to the same SMTP server with the same
// pool, in one run. Not a test: prints figures.
// `npm run bench:notify -w sagas` (BENCH_EMAILS, default 1000; BENCH_SMTP_URL, default the
// stack's MailDev; BENCH_ROUNDS, default 2: both sides run in alternation and the best of each
// is kept).
import { ContractRegistry } from '@shop/schema';
import { spawnNode, TestStack, waitUntil } from '@shop/testing';
import { messageIdOf } from '../src/notifications/email-delivery.js';
import { DEFAULT_TEMPLATES_DIR, EmailRenderer } from '../src/notifications/email-renderer.js';
import {
  NOTIFICATION_CONTRACTS,
  planNotification,
} from '../src/notifications/notification-plan.js';
import { SAMPLE_EVENTS, type SampleEvent } from '../src/notifications/sample-events.js';
import { createSmtpMailer, type OutgoingEmail } from '../src/notifications/smtp-mailer.js';
import { openNotifyWorld, NOTIFY_MAIN } from '../test/notifications-support.js';

const EMAILS = Number(process.env.BENCH_EMAILS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const POOL = Number(process.env.SMTP_POOL_SIZE ?? 5);
const stack = new TestStack('benchnotify');
const smtpUrl = process.env.BENCH_SMTP_URL ?? stack.env.SMTP_URL;

const world = await openNotifyWorld(stack, 'bench-notify');
const renderer = await EmailRenderer.load(DEFAULT_TEMPLATES_DIR, {
  name: 'Shop',
  url: 'http://localhost:4000',
});
const registry = new ContractRegistry(NOTIFICATION_CONTRACTS);
const format = { locale: 'en-US', timeZone: 'UTC' };

const batch = (round: number, side: string): SampleEvent[] =>
  Array.from({ length: EMAILS }, (_, i) =>
    SAMPLE_EVENTS['order-confirmed']({
      email: `${stack.ns.runId}-${side}${round}-${i % 50}@example.com`,
      orderId: `${stack.ns.runId}-${side}${round}-${i}`,
    }),
  );

/** The message the worker would send for an event, rendered in this process. */
const rendered = (e: SampleEvent): OutgoingEmail => {
  const plan = planNotification(registry.decode(JSON.stringify(e.envelope)), format);
  if (plan.email?.to.kind !== 'contact') throw new Error('sample without a contact');
  const to = { email: plan.email.to.email, name: plan.email.to.name };
  const content = renderer.render(plan.email.template, plan.email.view, to);
  return {
    messageId: messageIdOf(e.envelope.id),
    to: { address: to.email, name: to.name },
    ...content,
    headers: { 'X-Shop-Event-Id': e.envelope.id, 'X-Shop-Template': plan.email.template },
  };
};

async function direct(round: number): Promise<number> {
  const messages = batch(round, 'd').map(rendered);
  // Every message is handed over at once and waits in the pool's queue: no per-send deadline.
  const mailer = createSmtpMailer({
    url: smtpUrl,
    from: 'Shop <no-reply@shop.localhost>',
    poolSize: POOL,
    sendDeadlineMs: 600_000,
  });
  const t0 = performance.now();
  await Promise.all(messages.map((m) => mailer.send(m)));
  const seconds = (performance.now() - t0) / 1000;
  mailer.close();
  return EMAILS / seconds;
}

const worker = spawnNode(NOTIFY_MAIN, {
  NOTIFY_MYSQL_URL: world.dbUrl,
  KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
  SMTP_URL: smtpUrl,
  SMTP_POOL_SIZE: String(POOL),
  NOTIFY_OPS_PORT: '0',
  NOTIFY_GROUP_ID: world.groupId,
  NOTIFY_ORDERS_TOPIC: world.topics.orders,
  NOTIFY_DELIVERY_TOPIC: world.topics.delivery,
  NOTIFY_USERS_TOPIC: world.topics.users,
  NOTIFY_SAGAS_TOPIC: world.topics.sagas,
  LOG_LEVEL: 'info',
});

async function throughWorker(round: number, sentBefore: number): Promise<number> {
  const events = batch(round, 'w');
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += 500) await world.publish(...events.slice(i, i + 500));
  await waitUntil(
    async () => ((await world.ledger()).SENT ?? 0) >= sentBefore + EMAILS || undefined,
    { timeoutMs: 600_000, intervalMs: 20, what: 'the worker to send the batch' },
  );
  return EMAILS / ((performance.now() - t0) / 1000);
}

try {
  await worker.waitForLine('notification consumer joined its group', 60_000);
  const best = { direct: 0, worker: 0 };
  for (let round = 1; round <= ROUNDS; round++) {
    const d = await direct(round);
    const w = await throughWorker(round, (round - 1) * EMAILS);
    best.direct = Math.max(best.direct, d);
    best.worker = Math.max(best.worker, w);
    console.log(
      `round ${round}: direct ${d.toFixed(0)}/s, worker ${w.toFixed(0)}/s (${(w / d).toFixed(2)}x)`,
    );
  }
  console.log(
    `${EMAILS} emails per side and round, SMTP pool ${POOL}, ${smtpUrl.replace(/\/\/[^@]*@/, '//')}`,
  );
  console.log(
    `best: direct nodemailer ${best.direct.toFixed(0)} emails/s, worker ${best.worker.toFixed(0)} emails/s, ratio ${(best.worker / best.direct).toFixed(2)}`,
  );
  const started = await worker.waitForLog((e) => e.msg === 'notification worker started');
  const metrics = await (await fetch(`http://127.0.0.1:${String(started.port)}/metrics`)).text();
  const series = (name: string): number =>
    Number(
      metrics
        .split('\n')
        .find((l) => l.startsWith(`${name}{`) && l.includes('template="order-confirmed"'))
        ?.split(' ')
        .pop() ?? 0,
    );
  const sends = series('notification_smtp_send_seconds_count');
  console.log(
    `worker: mean SMTP send (pool queue included) ${((1000 * series('notification_smtp_send_seconds_sum')) / sends).toFixed(1)} ms over ${sends} sends`,
  );
  const warnings = new Map<string, number>();
  for (const e of worker.logs)
    if (Number(e.level) >= 40) warnings.set(String(e.msg), (warnings.get(String(e.msg)) ?? 0) + 1);
  for (const [msg, n] of warnings) console.log(`worker warnings: ${n} x ${msg}`);
} finally {
  await worker.stop();
  // MailDev keeps every message in memory and its API lists them all at once: leave it as found.
  if (smtpUrl === stack.env.SMTP_URL) {
    const ours = (await stack.mailbox.all()).filter((m) =>
      m.to.some((t) => t.address.startsWith(stack.ns.runId)),
    );
    for (let i = 0; i < ours.length; i += 50)
      await Promise.all(
        ours
          .slice(i, i + 50)
          .map((m) => fetch(`${stack.env.MAIL_API_URL}/email/${m.id}`, { method: 'DELETE' })),
      );
  }
  await world.close();
  await stack.cleanup();
}
