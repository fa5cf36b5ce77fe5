import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqlRows } from '@shop/messaging';
import { TestStack, waitUntil } from '@shop/testing';
import { randomCouponCodes } from '@shop/users';
import { BONUS, openBonusWorld, type BonusWorld } from './registration-bonus-support.js';
import { killAll } from './support.js';

const sagaId = (userId: string): string => `bonus-${userId}`;

describe('registration bonus saga: users, orchestrator and notification worker', () => {
  const stack = new TestStack('bonus');
  let world: BonusWorld;

  before(async () => {
    world = await openBonusWorld(stack, randomCouponCodes);
    await Promise.all([
      world.notify.startWorker(),
      world.orchestrator.waitForLine('orchestrator started', 60_000),
    ]);
  });

  after(async () => {
    await killAll();
    await world?.close();
  });

  const email = (label: string): string => `${label}-${stack.ns.runId}@example.com`;

  const sagaStatus = async (id: string): Promise<string | undefined> =>
    (await world.sagaRows()).find((s) => s.id === id)?.status;

  const waitForSaga = (id: string, status: string, timeoutMs = 60_000) =>
    waitUntil(async () => (await sagaStatus(id)) === status, {
      timeoutMs,
      intervalMs: 100,
      what: `saga ${id} ${status}`,
    });

  /** Every saga about the account, whatever its id. */
  const sagasOf = (userId: string) =>
    sqlRows<{ id: string; status: string; history: string }>(
      world.sagasOrm.em.fork(),
      "SELECT id, status, history FROM saga_instance WHERE JSON_UNQUOTE(JSON_EXTRACT(data, '$.userId')) = ?",
      [userId],
    );

  const ledger = (userId: string) =>
    sqlRows<{ kind: string; amount_cents: string; reason: string }>(
      world.users.orm.em.fork(),
      'SELECT kind, amount_cents, reason FROM credit_ledger_entries WHERE user_id = ? ORDER BY seq',
      [userId],
    );

  const coupons = (userId: string) =>
    sqlRows<{ code: string; status: string }>(
      world.users.orm.em.fork(),
      "SELECT code, status FROM coupons WHERE user_id = ? AND source = 'WELCOME'",
      [userId],
    );

  /**
   * The mail to `address` once the worker has handled every message on users.events so far (its
   * inbox holds every message id the topic has), so no email is still on its way.
   */
  const settledMail = async (address: string) => {
    const ids = [...new Set((await world.usersEvents()).map((e) => e.id))];
    await waitUntil(
      async () => {
        const rows = await sqlRows<{ message_id: string }>(
          world.notify.orm.em.fork(),
          `SELECT message_id FROM inbox_message WHERE consumer_group = ? AND message_id IN (${ids.map(() => '?').join(', ')})`,
          [world.notify.groupId, ...ids],
        );
        return rows.length === ids.length;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the worker caught up with users.events' },
    );
    return stack.mailbox.to(address);
  };

  it('register → the balance equals the bonus, the coupons exist, one welcome email lists them', async () => {
    const to = email('ada');
    const { userId } = await world.register(to);
    await waitForSaga(sagaId(userId), 'COMPLETED');

    assert.deepEqual(await world.users.credit.balance(userId), {
      balanceCents: BONUS.creditCents,
      currency: 'USD',
    });
    const mine = await coupons(userId);
    assert.equal(mine.length, BONUS.coupons);
    assert.ok(mine.every((c) => c.status === 'ACTIVE'));

    await stack.mailbox.waitFor(to, 1, { timeoutMs: 60_000 });
    const mails = await settledMail(to);
    assert.equal(mails.length, 1, 'one welcome email');
    const text = mails[0]!.text ?? '';
    assert.match(text, /\$7\.00 of store credit/);
    for (const c of mine) assert.ok(text.includes(c.code), `the email lists ${c.code}`);
    assert.match(text, /15% off an order of \$30\.00 or more/);
  });

  it('UserRegistered delivered 3 times (and republished under a new id) → one bonus, one email', async () => {
    const to = email('thrice');
    const { userId } = await world.register(to);
    await waitUntil(async () => (await sagasOf(userId)).some((x) => x.status === 'COMPLETED'), {
      timeoutMs: 60_000,
      what: 'the bonus saga completed',
    });
    const registered = (await world.usersEvents()).find(
      (e) => e.type === 'users.user-registered' && e.key === userId,
    )!;
    // The same message twice more (a redelivery), and once as a new message (a republish).
    await world.republish(registered, userId);
    await world.republish(registered, userId);
    const republished = { ...registered, id: crypto.randomUUID() };
    await world.republish(republished, userId);

    // The orchestrator's trigger consumer has read all of them (its inbox has the new id).
    await waitUntil(
      async () =>
        (
          await sqlRows(
            world.sagasOrm.em.fork(),
            'SELECT 1 FROM inbox_message WHERE message_id = ?',
            [republished.id],
          )
        ).length === 1,
      { timeoutMs: 30_000, what: 'the republished event consumed' },
    );
    const raw = (await world.usersEvents()).filter((e) => e.key === userId);
    assert.equal(raw.filter((e) => e.type === 'users.user-registered').length, 4);
    assert.equal(raw.filter((e) => e.type === 'users.bonus-granted').length, 1);

    const sagas = await sagasOf(userId);
    assert.equal(sagas.length, 1, 'one saga for the account');
    assert.equal(sagas[0]!.status, 'COMPLETED');
    const history = JSON.parse(sagas[0]!.history) as { event: string }[];
    assert.equal(history.filter((h) => h.event === 'started').length, 1);

    assert.deepEqual(
      (await ledger(userId)).map((e) => [e.kind, Number(e.amount_cents)]),
      [['GRANT', BONUS.creditCents]],
    );
    assert.equal((await coupons(userId)).length, BONUS.coupons);
    assert.equal((await settledMail(to)).length, 1);
  });

  it('coupon generation forced to fail → no credit, no coupon; the ledger shows the credit and its revocation', async () => {
    const to = email('nocodes');
    world.codes.failing = true;
    let userId: string;
    try {
      ({ userId } = await world.register(to));
      await waitForSaga(sagaId(userId), 'FAILED');
    } finally {
      world.codes.failing = false;
    }
    assert.equal((await world.users.credit.balance(userId)).balanceCents, 0);
    assert.deepEqual(await coupons(userId), []);
    const entries = await ledger(userId);
    assert.deepEqual(
      entries.map((e) => [e.kind, Number(e.amount_cents)]),
      [
        ['GRANT', BONUS.creditCents],
        ['REVOKE', -BONUS.creditCents],
      ],
    );
    assert.match(
      entries[1]!.reason,
      /^registration bonus revoked: allocate-coupons: coupon generation failed/,
    );

    const raw = (await world.usersEvents()).filter((e) => e.key === userId);
    assert.equal(raw.filter((e) => e.type === 'users.bonus-withdrawn').length, 1);
    assert.equal(raw.filter((e) => e.type === 'users.bonus-granted').length, 0);
    await stack.mailbox.waitFor(to, 1, { timeoutMs: 60_000 });
    const mails = await settledMail(to);
    assert.equal(mails.length, 1, 'still one welcome email, without a bonus');
    assert.doesNotMatch(mails[0]!.text ?? '', /store credit|coupons/i);
  });

  it('ten concurrent registrations with one email → one account, one bonus, one email', async () => {
    const to = email('tenfold');
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => world.register(to)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    assert.equal(ok.length, 1);
    for (const r of results)
      if (r.status === 'rejected') assert.match(String(r.reason), /CONFLICT/);
    const { userId } = ok[0]!.value;
    await waitForSaga(sagaId(userId), 'COMPLETED');
    assert.equal((await world.users.credit.balance(userId)).balanceCents, BONUS.creditCents);
    assert.equal((await ledger(userId)).length, 1);
    assert.equal((await coupons(userId)).length, BONUS.coupons);
    const raw = (await world.usersEvents()).filter((e) => e.data.email === to);
    assert.equal(raw.filter((e) => e.type === 'users.user-registered').length, 1);
    assert.equal((await settledMail(to)).length, 1);
  });

  it('the orchestrator SIGKILLed during 30 registrations → each saga completes once, one bonus each', async (t) => {
    const REGISTRATIONS = 30;
    const handled = async (): Promise<number> => {
      const [row] = await sqlRows<{ n: string }>(
        world.users.orm.em.fork(),
        'SELECT COUNT(*) AS n FROM saga_participant_log',
      );
      return Number(row!.n);
    };
    const base = await handled();
    const registering = Promise.all(
      Array.from({ length: REGISTRATIONS }, (_, i) => world.register(email(`crash${i}`))),
    );
    // Kill points after a random, increasing number of commands handled (3 per saga), plus a
    // random delay, so kills land anywhere in a transition.
    const targets = Array.from({ length: 3 }, () => base + 3 + Math.floor(Math.random() * 75)).sort(
      (a, b) => a - b,
    );
    for (const target of targets) {
      await waitUntil(async () => (await handled()) >= target, {
        timeoutMs: 90_000,
        intervalMs: 20,
        what: `${target - base} commands handled`,
      });
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 60)));
      await world.orchestrator.kill('SIGKILL');
      world.orchestrator = world.spawnOrchestrator();
    }
    const users = await registering;
    const ids = new Set(users.map((u) => sagaId(u.userId)));
    await waitUntil(
      async () => {
        const rows = (await world.sagaRows()).filter((s) => ids.has(s.id));
        return rows.length === REGISTRATIONS && rows.every((r) => r.status === 'COMPLETED');
      },
      { timeoutMs: 180_000, intervalMs: 250, what: 'all 30 sagas COMPLETED' },
    );
    t.diagnostic(`killed after ${targets.map((x) => x - base).join(', ')} handled commands`);

    const raw = await world.usersEvents();
    for (const { userId } of users) {
      const saga = (await world.sagaRows()).find((s) => s.id === sagaId(userId))!;
      const history = JSON.parse(saga.history) as { event: string }[];
      assert.equal(history.filter((h) => h.event === 'completed').length, 1, saga.id);
      assert.deepEqual(
        (await ledger(userId)).map((e) => [e.kind, Number(e.amount_cents)]),
        [['GRANT', BONUS.creditCents]],
        userId,
      );
      assert.equal((await coupons(userId)).length, BONUS.coupons, userId);
      assert.equal(
        raw.filter((e) => e.key === userId && e.type === 'users.bonus-granted').length,
        1,
        `one bonus-granted for ${userId}`,
      );
    }
  });
});
