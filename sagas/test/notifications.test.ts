import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runDlqCli, sqlRows } from '@shop/messaging';
import { createEnvelope, shipmentChangedV1, type ShipmentChangedV1 } from '@shop/schema';
import { killAll, TestStack, waitUntil, type CaughtMail, type Child } from '@shop/testing';
import { SMTPServer } from 'smtp-server';
import { messageIdOf } from '../src/notifications/email-delivery.js';
import { SAMPLE_EVENTS, type SampleEvent } from '../src/notifications/sample-events.js';
import {
  assertInBothParts,
  messageIdOfMail,
  metricValue,
  openNotifyWorld,
  scrapeMetrics,
  SmtpOutage,
  type NotifyWorld,
} from './notifications-support.js';

/** Mails carrying the Message-ID of `event`. */
const mailsOf = (mails: readonly CaughtMail[], event: SampleEvent): CaughtMail[] =>
  mails.filter((m) => messageIdOfMail(m) === messageIdOf(event.envelope.id));

describe('notification worker against Kafka, MariaDB and MailDev', () => {
  const stack = new TestStack('notify');
  let world: NotifyWorld;
  let worker: Child;
  const address = `${stack.ns.runId}-ada@example.com`;
  const user = { userId: `${stack.ns.runId}-u1`, email: address, name: 'Ada Lovelace' };

  before(async () => {
    world = await openNotifyWorld(stack, 'notify-test');
    worker = await world.startWorker();
  });

  after(async () => {
    await killAll();
    await world?.close();
    await stack.cleanup();
  });

  it('sends exactly one email per event type, with recipient, subject, order number, lines and totals in both parts', async () => {
    const welcome = SAMPLE_EVENTS.welcome(user);
    // The delivery emails find the address through the users projection: register first.
    await world.publish(welcome);
    await stack.mailbox.waitFor(address, 1);
    const order = { ...user, orderId: `${stack.ns.runId}-o1`, orderNumber: 'SO-777001' };
    const events = {
      'order-confirmed': SAMPLE_EVENTS['order-confirmed'](order),
      'order-failed': SAMPLE_EVENTS['order-failed'](order),
      'order-cancelled': SAMPLE_EVENTS['order-cancelled'](order),
      'partner-assigned': SAMPLE_EVENTS['partner-assigned'](order),
      'picked-up': SAMPLE_EVENTS['picked-up'](order),
      'out-for-delivery': SAMPLE_EVENTS['out-for-delivery'](order),
      delivered: SAMPLE_EVENTS.delivered(order),
      'delivery-failed': SAMPLE_EVENTS['delivery-failed']({
        ...order,
        orderId: `${stack.ns.runId}-o2`,
      }),
    };
    // A shipment change without an email (a position report after the move): read and skipped.
    const moved = events['out-for-delivery'].envelope.data as ShipmentChangedV1;
    const pending: SampleEvent = {
      topic: 'delivery',
      envelope: createEnvelope(shipmentChangedV1, {
        key: order.orderId,
        source: 'delivery',
        data: { ...moved, sequence: moved.sequence + 1, previousStatus: 'IN_TRANSIT' },
      }),
    };
    await world.publish(pending, ...Object.values(events));
    const mails = await stack.mailbox.waitFor(address, 1 + Object.keys(events).length);

    const expected: Record<keyof typeof events | 'welcome', { subject: string; both: string[] }> = {
      welcome: {
        subject: 'Welcome to Shop, Ada Lovelace',
        both: ['Hello Ada Lovelace', '$10.00', 'WELCOME10'],
      },
      'order-confirmed': {
        subject: 'Order SO-777001 confirmed',
        both: [
          'SO-777001',
          'Ergonomic Desk Chair',
          'Ballpoint Pens, 12-pack',
          '$249.99',
          '$14.97',
          '$264.96',
          '$10.00',
          '$5.99',
          '$260.95',
          '12 Analytical Way',
          'Springfield, IL 62701',
        ],
      },
      'order-failed': {
        subject: 'Order SO-777001 could not be completed',
        both: ['SO-777001', 'No delivery partner serves', 'refunded in full', '$260.95'],
      },
      'order-cancelled': {
        subject: 'Order SO-777001 cancelled and refunded',
        both: ['SO-777001', '$260.95'],
      },
      'partner-assigned': {
        subject: 'Grace Hopper will deliver your order (TRK-5A3F09C2B1D4)',
        both: [order.orderId, 'TRK-5A3F09C2B1D4', 'Grace Hopper', 'will deliver your'],
      },
      'picked-up': {
        subject: 'Your order was picked up (TRK-5A3F09C2B1D4)',
        both: [order.orderId, 'TRK-5A3F09C2B1D4', 'Grace Hopper has picked up'],
      },
      'out-for-delivery': {
        subject: 'Your order is out for delivery (TRK-5A3F09C2B1D4)',
        both: [order.orderId, 'TRK-5A3F09C2B1D4', 'with Grace Hopper'],
      },
      delivered: {
        subject: 'Your order was delivered (TRK-5A3F09C2B1D4)',
        both: [order.orderId, 'TRK-5A3F09C2B1D4', 'by Grace Hopper'],
      },
      'delivery-failed': {
        subject: 'We could not deliver your order (TRK-5A3F09C2B1D4)',
        both: [
          `${stack.ns.runId}-o2`,
          'TRK-5A3F09C2B1D4',
          'Grace Hopper could not deliver your order',
          'Nobody was at the address to take the parcel',
        ],
      },
    };
    for (const [template, event] of Object.entries({ welcome, ...events })) {
      const found = mailsOf(mails, event);
      assert.equal(found.length, 1, `${template}: one email`);
      const mail = found[0]!;
      const want = expected[template as keyof typeof expected];
      assert.equal(mail.subject, want.subject, template);
      assert.deepEqual(
        mail.to.map((t) => t.address),
        [address],
        `${template}: recipient`,
      );
      assertInBothParts(mail, want.both, template);
    }
    assert.equal(
      mails.length,
      1 + Object.keys(events).length,
      'no email for the position report, none twice',
    );
    const metrics = await scrapeMetrics(worker);
    assert.equal(
      metricValue(metrics, 'notification_emails_sent_total', { template: 'order-confirmed' }),
      1,
    );
  });

  it('sends one email for an event delivered three times', async () => {
    const to = `${stack.ns.runId}-thrice@example.com`;
    const event = SAMPLE_EVENTS['order-confirmed']({ email: to, orderId: `${stack.ns.runId}-o3` });
    // A later event of the same order (same key, so handled after the three copies) as a marker.
    const marker = SAMPLE_EVENTS['order-cancelled']({ email: to, orderId: `${stack.ns.runId}-o3` });
    await world.publish(event, event, event);
    await world.publish(marker);
    const mails = await stack.mailbox.waitFor(to, 2);
    await waitUntil(async () =>
      mailsOf(await stack.mailbox.to(to), marker).length === 1 ? true : undefined,
    );
    assert.equal(mailsOf(await stack.mailbox.to(to), event).length, 1);
    assert.equal(mails.length, 2);
    const [row] = await sqlRows<{ attempts: number }>(
      world.orm.em.fork(),
      'SELECT attempts FROM notification_email WHERE event_id = ?',
      [event.envelope.id],
    );
    assert.equal(row?.attempts, 1, 'the copies never reached the SMTP step');
  });
});

describe('notification worker while the relay is down, then stalled, then back', () => {
  const stack = new TestStack('notifydown');
  let world: NotifyWorld;
  const outage = new SmtpOutage({
    host: '127.0.0.1',
    port: Number(new URL(stack.env.SMTP_URL).port),
  });

  before(async () => {
    world = await openNotifyWorld(stack, 'notify-down-test');
  });

  after(async () => {
    await killAll();
    await outage.close();
    await world?.close();
    await stack.cleanup();
  });

  it('delivers every email once the relay is back, none lost, none twice', async () => {
    await outage.up();
    const worker = await world.startWorker({
      SMTP_URL: outage.url,
      SMTP_CONNECTION_TIMEOUT_MS: '1000',
      SMTP_GREETING_TIMEOUT_MS: '1000',
      SMTP_SOCKET_TIMEOUT_MS: '2000',
      SMTP_SEND_DEADLINE_MS: '3000',
      NOTIFY_RETRY_MAX_ATTEMPTS: '100',
    });
    await outage.down();
    const to = `${stack.ns.runId}-down@example.com`;
    const events = Array.from({ length: 20 }, (_, i) =>
      SAMPLE_EVENTS['order-confirmed']({ email: to, orderId: `${stack.ns.runId}-o${i}` }),
    );
    await world.publish(...events.slice(0, 10));
    // Refused connections: the worker retries (and records RETRYING), sends nothing.
    await waitUntil(async () => (((await world.ledger()).RETRYING ?? 0) >= 5 ? true : undefined), {
      timeoutMs: 30_000,
    });
    // Then a relay that accepts connections and never answers: every send hits a deadline.
    await outage.stall();
    await world.publish(...events.slice(10));
    await waitUntil(
      async () => {
        const m = await scrapeMetrics(worker);
        return metricValue(m, 'notification_emails_retried_total', {
          template: 'order-confirmed',
        }) >= 30
          ? true
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal((await stack.mailbox.to(to)).length, 0, 'nothing got through the outage');
    await outage.up();
    const mails = await stack.mailbox.waitFor(to, events.length, { timeoutMs: 90_000 });
    await waitUntil(
      async () => ((await world.ledger()).SENT === events.length ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const after = await stack.mailbox.to(to);
    for (const e of events)
      assert.equal(mailsOf(after, e).length, 1, `one email for ${e.envelope.id}`);
    assert.equal(after.length, events.length);
    assert.ok(mails.length >= events.length);
  });
});

describe('notification worker and a relay that refuses one recipient for good', () => {
  const stack = new TestStack('notifyreject');
  let world: NotifyWorld;
  const rejected = `${stack.ns.runId}-nobody@example.com`;
  const rcptAttempts = new Map<string, number>();
  const accepted: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      rcptAttempts.set(address.address, (rcptAttempts.get(address.address) ?? 0) + 1);
      if (address.address === rejected) {
        const err = Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 });
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        accepted.push(...session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  let port = 0;

  before(async () => {
    world = await openNotifyWorld(stack, 'notify-reject-test');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as { port: number }).port;
  });

  after(async () => {
    await killAll();
    await new Promise<void>((r) => server.close(() => r()));
    await world?.close();
    await stack.cleanup();
  });

  it('records the rejection, does not retry it, and the other emails flow', async () => {
    const worker = await world.startWorker({ SMTP_URL: `smtp://127.0.0.1:${port}` });
    const bad = SAMPLE_EVENTS['order-confirmed']({
      email: rejected,
      orderId: `${stack.ns.runId}-bad`,
    });
    const good = Array.from({ length: 5 }, (_, i) =>
      SAMPLE_EVENTS['order-confirmed']({
        email: `${stack.ns.runId}-ok${i}@example.com`,
        orderId: `${stack.ns.runId}-ok${i}`,
      }),
    );
    await world.publish(bad, ...good);
    await waitUntil(async () => {
      const l = await world.ledger();
      return l.SENT === 5 && l.REJECTED === 1 ? true : undefined;
    });
    const [row] = await sqlRows<{ status: string; attempts: number; last_error: string }>(
      world.orm.em.fork(),
      'SELECT status, attempts, last_error FROM notification_email WHERE event_id = ?',
      [bad.envelope.id],
    );
    assert.equal(row?.status, 'REJECTED');
    assert.equal(row?.attempts, 1);
    assert.match(row?.last_error ?? '', /550/);
    assert.equal(rcptAttempts.get(rejected), 1, 'the relay was asked once');
    assert.deepEqual(
      accepted.sort(),
      good.map((_, i) => `${stack.ns.runId}-ok${i}@example.com`).sort(),
    );
    const metrics = await scrapeMetrics(worker);
    assert.equal(
      metricValue(metrics, 'notification_emails_failed_total', {
        template: 'order-confirmed',
        reason: 'rejected',
      }),
      1,
    );
    assert.equal(
      metricValue(metrics, 'notification_emails_retried_total', { template: 'order-confirmed' }),
      0,
    );
    // Not dead-lettered either: the DLQ topic holds nothing.
    const dlq = await world.bus.topicOffsets(`${world.groupId}.dlq`).catch(() => []);
    assert.equal(
      dlq.reduce((n, p) => n + p.high, 0),
      0,
    );
  });
});

describe('notification worker whose retries run out', () => {
  const stack = new TestStack('notifydlq');
  let world: NotifyWorld;
  const outage = new SmtpOutage({
    host: '127.0.0.1',
    port: Number(new URL(stack.env.SMTP_URL).port),
  });

  before(async () => {
    world = await openNotifyWorld(stack, 'notify-dlq-test');
  });

  after(async () => {
    await killAll();
    await outage.close();
    await world?.close();
    await stack.cleanup();
  });

  /** The `shop-dlq` command (what `npm run dlq -w packages/messaging` runs), in this process. */
  const dlq = async (...argv: string[]): Promise<string[]> => {
    const lines: string[] = [];
    const code = await runDlqCli(argv, { KAFKA_BROKERS: stack.env.KAFKA_BROKERS }, (l) =>
      lines.push(l),
    );
    assert.equal(code, 0, `shop-dlq ${argv.join(' ')}`);
    return lines;
  };

  it('dead-letters the event, and the DLQ command lists and replays it into one email', async () => {
    await outage.up();
    const worker = await world.startWorker({
      SMTP_URL: outage.url,
      NOTIFY_RETRY_MAX_ATTEMPTS: '3',
      NOTIFY_RETRY_INITIAL_MS: '100',
      NOTIFY_RETRY_MAX_MS: '200',
    });
    await outage.down();
    const to = `${stack.ns.runId}-dlq@example.com`;
    const event = SAMPLE_EVENTS['order-cancelled']({ email: to, orderId: `${stack.ns.runId}-o` });
    await world.publish(event);
    const listed = await waitUntil(
      async () => {
        const lines = await dlq('list', world.groupId);
        return lines.some((l) => l.includes('pending')) ? lines : undefined;
      },
      { timeoutMs: 30_000, what: 'the event in the DLQ' },
    );
    assert.equal(listed.filter((l) => l.includes('pending')).length, 1);
    const metrics = await scrapeMetrics(worker);
    assert.equal(
      metricValue(metrics, 'notification_emails_failed_total', {
        template: 'order-cancelled',
        reason: 'exhausted',
      }),
      1,
    );
    assert.equal(
      metricValue(metrics, 'notification_emails_retried_total', { template: 'order-cancelled' }),
      2,
    );
    assert.equal((await stack.mailbox.to(to)).length, 0);

    await outage.up();
    await dlq('replay', world.groupId);
    await stack.mailbox.waitFor(to, 1, { timeoutMs: 30_000 });
    await waitUntil(async () => ((await world.ledger()).SENT === 1 ? true : undefined));
    const mails = await stack.mailbox.to(to);
    assert.equal(mails.length, 1);
    assert.equal(messageIdOfMail(mails[0]!), messageIdOf(event.envelope.id));
  });
});
