import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqlRows } from '@shop/messaging';
import { killAll, TestStack, waitUntil, type Child } from '@shop/testing';
import { messageIdOf } from '../src/notifications/email-delivery.js';
import { TEMPLATE_NAMES } from '../src/notifications/notification-plan.js';
import { SAMPLE_EVENTS, type SampleEvent } from '../src/notifications/sample-events.js';
import { messageIdOfMail, openNotifyWorld, type NotifyWorld } from './notifications-support.js';

const EVENTS = 200;
const KILLS = 5;

describe('notification worker SIGKILLed repeatedly while 200 events flow', () => {
  const stack = new TestStack('notifycrash');
  let world: NotifyWorld;

  before(async () => {
    world = await openNotifyWorld(stack, 'notify-crash-test');
  });

  after(async () => {
    await killAll();
    await world?.close();
    await stack.cleanup();
  });

  it('sends an email for every event; duplicates counted (goal 0) and each one flagged by the ledger', async (t) => {
    const to = (i: number): string => `${stack.ns.runId}-c${i % 10}@example.com`;
    const addresses = new Set(Array.from({ length: 10 }, (_, i) => to(i)));
    // Ten customers, registered first so that shipment emails find their address.
    const users = Array.from({ length: 10 }, (_, i) =>
      SAMPLE_EVENTS.welcome({ userId: `${stack.ns.runId}-u${i}`, email: to(i) }),
    );
    // The customers' emails; saga-parked writes to the operations address, not to them.
    const templates = TEMPLATE_NAMES.filter((n) => n !== 'welcome' && n !== 'saga-parked');
    const events: SampleEvent[] = [...users];
    for (let i = events.length; i < EVENTS; i++)
      events.push(
        SAMPLE_EVENTS[templates[i % templates.length]!]({
          userId: `${stack.ns.runId}-u${i % 10}`,
          email: to(i),
          orderId: `${stack.ns.runId}-o${i % 40}`,
        }),
      );
    const expected = new Set(events.map((e) => messageIdOf(e.envelope.id)));
    const mailsOfRun = async () =>
      (await stack.mailbox.all()).filter((m) =>
        m.to.some((a) => addresses.has(a.address.toLowerCase())),
      );

    // CRASH_SMTP_POOL_SIZE measures how the relay connections bound the duplicates.
    const env = {
      NOTIFY_RETRY_MAX_ATTEMPTS: '100',
      SMTP_POOL_SIZE: process.env.CRASH_SMTP_POOL_SIZE ?? '5',
    };
    let worker: Child = await world.startWorker(env);
    await world.publish(...users);
    // The rest goes out in bursts while the worker is killed and restarted.
    const rest = events.slice(users.length);
    const publishing = (async () => {
      for (let i = 0; i < rest.length; i += 10) await world.publish(...rest.slice(i, i + 10));
    })();
    for (let k = 1; k <= KILLS; k++) {
      const target = Math.floor((EVENTS * k) / (KILLS + 1));
      await waitUntil(async () => ((await mailsOfRun()).length >= target ? true : undefined), {
        timeoutMs: 120_000,
        intervalMs: 20,
        what: `${target} emails before kill ${k}`,
      });
      await worker.kill('SIGKILL');
      worker = await world.startWorker(env);
    }
    await publishing;

    await waitUntil(async () => ((await world.ledger()).SENT === EVENTS ? true : undefined), {
      timeoutMs: 180_000,
      what: 'every event SENT in the ledger',
    });
    const mails = await mailsOfRun();
    const ids = mails.map(messageIdOfMail);
    const missing = [...expected].filter((id) => !ids.includes(id));
    // Raw copies per Message-ID, as MailDev holds them: every copy beyond the first is a duplicate.
    const copies = new Map<string | undefined, number>();
    for (const id of ids) copies.set(id, (copies.get(id) ?? 0) + 1);
    const duplicated = [...copies].filter(([, n]) => n > 1);
    const duplicates = duplicated.reduce((sum, [, n]) => sum + n - 1, 0);
    const [flagged] = await sqlRows<{ n: number | string }>(
      world.orm.em.fork(),
      'SELECT COALESCE(SUM(unresolved_resends), 0) AS n FROM notification_email',
    );
    // Copies of one Message-ID whose text differs from the first copy's (a relay that kept a
    // message cut off by the kill would show here).
    const first = new Map<string | undefined, string | undefined>();
    let differing = 0;
    for (const m of mails) {
      const id = messageIdOfMail(m);
      if (!first.has(id)) first.set(id, m.text);
      else if (first.get(id) !== m.text) differing++;
    }
    t.diagnostic(
      `${EVENTS} events, ${KILLS} SIGKILLs: ${mails.length} emails, ${duplicates} duplicates, ` +
        `${Number(flagged?.n ?? 0)} sends after an attempt without outcome (ledger), ` +
        `${differing} copies differing from the first` +
        (duplicated.length > 0 ? ` (copies: ${duplicated.map(([, n]) => n).join(', ')})` : ''),
    );
    assert.deepEqual(missing, [], 'every event has its email');
    assert.ok(
      ids.every((id) => id !== undefined && expected.has(id)),
      'no stray email',
    );
    // A duplicate can only come from an attempt that died after the message could have reached
    // the relay and before the commit; the ledger flags every send that follows such an attempt.
    assert.ok(duplicates <= Number(flagged?.n ?? 0), 'every duplicate is a flagged resend');
  });
});
