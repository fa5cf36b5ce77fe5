import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqlRows } from '@shop/messaging';
import { createLogger, parseConfig } from '@shop/platform';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack, waitUntil } from '@shop/testing';
import { startUsersApp, usersConfigSchema, type UsersApp } from '../src/index.js';
import { usersKafkaEnv } from './support.js';

const mintProof = proofMinter('users');
const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { user { id } } }`;

interface Envelope {
  type: string;
  key: string;
  data: Record<string, unknown>;
}

describe('users: store credit and coupons', () => {
  const stack = new TestStack('usercredit');
  let app: UsersApp;
  let url: string;
  let admin: string;
  let customerId: string;
  let asCustomer: string;

  before(async () => {
    const db = await stack.createDatabase('users');
    const config = parseConfig(usersConfigSchema, {
      ...db.mysqlEnv,
      ...usersKafkaEnv(stack),
      PORT: '0',
      PASSWORD_HASH_COST: '4',
      NODE_ENV: 'test',
      BONUS_CREDIT_CENTS: '700',
      BONUS_COUPON_COUNT: '3',
      // A pool larger than the concurrent writers below: they wait on a row lock, not on the pool.
    });
    app = await startUsersApp(config, createLogger('users', 'silent'), {
      pool: { min: 0, max: 40 },
    });
    url = app.http.url;
    admin = await mintProof({ sub: 'admin-1', roles: ['admin'] });
    const reg = await gql<{ register: { user: { id: string } } }>(
      url,
      REGISTER,
      { input: { email: `credit-${stack.ns.runId}@example.com`, password: 'correct horse 42' } },
      await mintProof(),
    );
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    customerId = reg.data!.register.user.id;
    asCustomer = await mintProof({ sub: customerId, roles: ['customer'] });
  });

  after(async () => {
    await app?.bus.deleteTopics([
      stack.ns.topic('users.events'),
      stack.ns.topic('sagas.commands.users'),
    ]);
    await app?.close();
    await stack.cleanup();
  });

  const grant = async (userId: string, amountCents: number) => {
    const r = await gql<{ grantCredit: { balanceAfterCents: number } }>(
      url,
      `mutation ($i: CreditAdjustmentInput!) { grantCredit(input: $i) { balanceAfterCents } }`,
      { i: { userId, amountCents, reason: 'goodwill' } },
      admin,
    );
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return r.data!.grantCredit.balanceAfterCents;
  };

  const ledgerOf = (userId: string) =>
    sqlRows<{ seq: number; kind: string; amount_cents: string; balance_after_cents: string }>(
      app.orm.em.fork(),
      'SELECT seq, kind, amount_cents, balance_after_cents FROM credit_ledger_entries WHERE user_id = ? ORDER BY seq',
      [userId],
    );

  it('the ledger never goes negative under 20 concurrent debits; balance = sum of entries', async () => {
    const reg = await gql<{ register: { user: { id: string } } }>(
      url,
      REGISTER,
      { input: { email: `debits-${stack.ns.runId}@example.com`, password: 'correct horse 42' } },
      await mintProof(),
    );
    const userId = reg.data!.register.user.id;
    assert.equal(await grant(userId, 1000), 1000);

    // 20 orders of 150 each against 1000: six fit. Each debit is its own transaction, as each
    // saga command is.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.orm.em.fork().transactional((em) =>
          app.credit.debitWithin(em, {
            userId,
            orderId: `o-${i}`,
            amountCents: 150,
            currency: 'USD',
          }),
        ),
      ),
    );
    const moved = results.filter((r) => r.outcome === 'moved');
    const refused = results.filter((r) => r.outcome === 'refused');
    assert.equal(moved.length, 6);
    assert.equal(refused.length, 14);
    for (const r of refused)
      assert.match(r.reason, /^not enough credit: 150 wanted, 100 available$/);

    const entries = await ledgerOf(userId);
    let running = 0;
    for (const [i, e] of entries.entries()) {
      assert.equal(Number(e.seq), i + 1, 'a gapless chain');
      running += Number(e.amount_cents);
      assert.equal(
        Number(e.balance_after_cents),
        running,
        `entry ${e.seq} carries the running sum`,
      );
      assert.ok(running >= 0, 'never negative');
    }
    assert.equal(running, 100);
    assert.equal((await app.credit.balance(userId)).balanceCents, 100);

    // A repeated debit of one order answers the first and moves nothing; giving back twice gives once.
    const again = await app.orm.em.fork().transactional((em) =>
      app.credit.debitWithin(em, {
        userId,
        orderId: moved[0]!.outcome === 'moved' ? moved[0]!.entry.orderId! : '',
        amountCents: 150,
        currency: 'USD',
      }),
    );
    assert.equal(again.outcome, 'moved');
    const orderId = again.outcome === 'moved' ? again.entry.orderId! : '';
    for (let i = 0; i < 2; i++)
      await app.orm.em.fork().transactional((em) => app.credit.giveBackWithin(em, orderId));
    assert.equal((await app.credit.balance(userId)).balanceCents, 250);
    assert.equal((await ledgerOf(userId)).length, entries.length + 1);
  });

  it('myCredit shows the balance and entries; admin revocation beyond the balance is BAD_USER_INPUT', async () => {
    await grant(customerId, 300);
    const mine = await gql<{
      myCredit: { balanceCents: number; currency: string; entries: { kind: string }[] };
    }>(
      url,
      '{ myCredit { balanceCents currency entries(first: 5) { kind amountCents } } }',
      {},
      asCustomer,
    );
    assert.equal(mine.errors, undefined, JSON.stringify(mine.errors));
    assert.equal(mine.data!.myCredit.currency, 'USD');
    assert.ok(mine.data!.myCredit.balanceCents >= 300);

    const tooMuch = await gql(
      url,
      `mutation ($i: CreditAdjustmentInput!) { revokeCredit(input: $i) { seq } }`,
      { i: { userId: customerId, amountCents: 1_000_000, reason: 'mistake' } },
      admin,
    );
    assert.equal(tooMuch.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(tooMuch.errors?.[0]?.message ?? '', /not enough credit/);

    const negative = await gql(
      url,
      `mutation ($i: CreditAdjustmentInput!) { grantCredit(input: $i) { seq } }`,
      { i: { userId: customerId, amountCents: -5, reason: 'x' } },
      admin,
    );
    assert.equal(negative.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');

    const forbidden = await gql(
      url,
      `mutation ($i: CreditAdjustmentInput!) { grantCredit(input: $i) { seq } }`,
      { i: { userId: customerId, amountCents: 5, reason: 'x' } },
      asCustomer,
    );
    assert.equal(forbidden.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('an admin issues a coupon the owner lists; bad input is one BAD_USER_INPUT', async () => {
    const issued = await gql<{
      issueCoupon: { code: string; status: string; description: string };
    }>(
      url,
      `mutation ($i: IssueCouponInput!) { issueCoupon(input: $i) { code status description } }`,
      {
        i: {
          userId: customerId,
          amountOffCents: 1500,
          minOrderCents: 5000,
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        },
      },
      admin,
    );
    assert.equal(issued.errors, undefined, JSON.stringify(issued.errors));
    const coupon = issued.data!.issueCoupon;
    assert.match(coupon.code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    assert.equal(coupon.status, 'ACTIVE');
    assert.equal(coupon.description, '$15.00 off an order of $50.00 or more');

    const mine = await gql<{ myCoupons: { code: string }[] }>(
      url,
      '{ myCoupons(status: ACTIVE) { code } }',
      {},
      asCustomer,
    );
    assert.ok(mine.data!.myCoupons.some((c) => c.code === coupon.code));

    const bad = await gql(
      url,
      `mutation ($i: IssueCouponInput!) { issueCoupon(input: $i) { code } }`,
      {
        i: {
          userId: customerId,
          percentOff: 0,
          minOrderCents: -1,
          expiresAt: new Date(Date.now() - 1000).toISOString(),
        },
      },
      admin,
    );
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(bad.errors?.[0]?.message ?? '', /percentOff.*minOrderCents.*expiresAt/);

    const revoked = await gql<{ revokeCoupon: { status: string } }>(
      url,
      'mutation ($c: String!) { revokeCoupon(code: $c) { status } }',
      { c: coupon.code.toLowerCase() },
      admin,
    );
    assert.equal(revoked.data?.revokeCoupon.status, 'REVOKED');
    const twice = await gql(
      url,
      'mutation ($c: String!) { revokeCoupon(code: $c) { status } }',
      { c: coupon.code },
      admin,
    );
    assert.equal(twice.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('a coupon is redeemed by exactly one of 50 concurrent orders, and is usable again once given back', async () => {
    const coupon = await app.coupons.issue({
      userId: customerId,
      discount: { kind: 'PERCENT', percentOff: 10 },
      minOrderCents: 2000,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const redeem = (
      orderId: string,
      over: Partial<{ userId: string; subtotalCents: number }> = {},
    ) =>
      app.orm.em.fork().transactional((em) =>
        app.coupons.redeemWithin(em, {
          userId: customerId,
          orderId,
          code: coupon.code,
          subtotalCents: 4999,
          currency: 'USD',
          ...over,
        }),
      );
    assert.deepEqual(await redeem('o-small', { subtotalCents: 1999 }), {
      outcome: 'refused',
      reason: 'this coupon needs an order of at least 2000 (the order is 1999)',
    });
    assert.deepEqual(await redeem('o-other', { userId: 'someone-else' }), {
      outcome: 'refused',
      reason: 'unknown coupon code',
    });

    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => redeem(`c-${i}`)));
    const won = results.filter((r) => r.outcome === 'redeemed');
    assert.equal(won.length, 1, JSON.stringify(results.filter((r) => r.outcome !== 'refused')));
    assert.equal(won[0]!.outcome === 'redeemed' && won[0]!.discountCents, 499);
    for (const r of results)
      if (r.outcome === 'refused') assert.equal(r.reason, 'this coupon has already been used');

    const [row] = await sqlRows<{ redeemed_order_id: string }>(
      app.orm.em.fork(),
      'SELECT redeemed_order_id FROM coupons WHERE id = ?',
      [coupon.id],
    );
    const winner = row!.redeemed_order_id;
    assert.equal(
      (await redeem(winner)).outcome,
      'redeemed',
      'a repeat of the winner answers the same',
    );
    assert.equal(
      await app.orm.em.fork().transactional((em) => app.coupons.unredeemWithin(em, winner)),
      true,
    );
    assert.equal(
      await app.orm.em.fork().transactional((em) => app.coupons.unredeemWithin(em, winner)),
      false,
    );
    assert.equal((await redeem('o-next')).outcome, 'redeemed', 'usable again');
  });

  it('ten concurrent registrations with one email give one account and one users.user-registered', async () => {
    const email = `same-${stack.ns.runId}@example.com`;
    const anon = await mintProof();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        gql<{ register: { user: { id: string } } }>(
          url,
          REGISTER,
          { input: { email, password: 'correct horse 42' } },
          anon,
        ),
      ),
    );
    const ok = results.filter((r) => r.errors === undefined);
    assert.equal(ok.length, 1);
    for (const r of results.filter((x) => x.errors !== undefined))
      assert.equal(r.errors?.[0]?.extensions?.code, 'CONFLICT');
    const userId = ok[0]!.data!.register.user.id;

    // Every raw delivery on the topic, read from its beginning.
    const seen: Envelope[] = [];
    const consumer = app.bus
      .rawKafka()
      .consumer({ groupId: stack.ns.group(`probe-${crypto.randomUUID()}`), maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topic: stack.ns.topic('users.events'), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(JSON.parse(message.value?.toString() ?? '{}') as Envelope);
      },
    });
    try {
      const mine = await waitUntil(
        () => {
          const found = seen.filter((e) => e.data.email === email);
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 15_000, what: 'the registration event' },
      );
      // Everything the outbox held is published, and the probe has read the whole topic.
      await waitUntil(
        async () => {
          const [o] = await sqlRows<{ n: string }>(
            app.orm.em.fork(),
            'SELECT COUNT(*) AS n FROM outbox_message',
          );
          if (Number(o!.n) > 0) return false;
          const offsets = await app.bus.topicOffsets(stack.ns.topic('users.events'));
          const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
          return seen.length >= total;
        },
        { timeoutMs: 15_000, what: 'the whole topic read' },
      );
      const again = seen.filter((e) => e.data.email === email);
      assert.equal(again.length, 1);
      assert.equal(mine[0]!.type, 'users.user-registered');
      assert.equal(mine[0]!.key, userId);
      assert.deepEqual(mine[0]!.data.bonusOffer, {
        currency: 'USD',
        creditCents: 700,
        coupons: {
          count: 3,
          discount: { kind: 'PERCENT', percentOff: 10 },
          minOrderCents: 2000,
          validDays: 30,
        },
      });
    } finally {
      await consumer.disconnect();
    }
    const [n] = await sqlRows<{ n: string }>(
      app.orm.em.fork(),
      'SELECT COUNT(*) AS n FROM users WHERE email = ?',
      [email],
    );
    assert.equal(Number(n!.n), 1);
  });
});
