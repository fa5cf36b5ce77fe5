import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqlRun, StepOutcomeUnknownError, type KafkaPublisher } from '@shop/messaging';
import {
  capturePaymentV1,
  confirmOrderV1,
  failOrderV1,
  openOrderV1,
  refundOrderPaymentV1,
  type SagaCommandMeta,
} from '@shop/schema';
import { TestStack, waitUntil } from '@shop/testing';
import { SimulatedPaymentProvider } from '../src/infra/simulated-payment-provider.js';
import type { PaymentProvider } from '../src/service/payment-provider.js';
import { PaymentOutcomeUnknownError, PaymentService } from '../src/service/payment.service.js';
import {
  ADDRESS,
  openOrdersWorld,
  PLACE_ORDER,
  probeTopic,
  TEST_CARDS,
  type OrdersWorld,
  type TopicProbe,
} from './orders-world.js';

interface Reply {
  sagaId: string;
  step: number;
  action: string;
  attempt: number;
  outcome: 'succeeded' | 'failed';
  reason?: string;
  result?: Record<string, unknown>;
}

interface LedgerRow {
  idempotency_key: string;
  kind: string;
  amount_cents: number;
  outcome: string;
  calls: number;
}

describe('orders saga participant: commands over Kafka', () => {
  const stack = new TestStack('ordcmd');
  let world: OrdersWorld;
  let publisher: KafkaPublisher;
  let replies: TopicProbe;
  let events: TopicProbe;
  const replyTopic = stack.ns.topic('sagas.replies');

  before(async () => {
    world = await openOrdersWorld(stack);
    await world.orders.orders.bus.ensureTopics([replyTopic]);
    publisher = world.publisher();
    replies = await probeTopic(world, stack, replyTopic);
    events = await probeTopic(world, stack, world.topics.events);
    await world.product('lamp', 2599, 1000);
  });
  after(async () => {
    await replies?.stop();
    await events?.stop();
    await world?.orders.orders.bus.deleteTopics([replyTopic]).catch(() => undefined);
    await world?.close();
  });

  /** A PENDING order of a new customer, paid with `card`. */
  const placeWith = async (card: string, quantity = 2): Promise<string> => {
    const user = await world.customer();
    await world.addToCart(user, 'lamp', quantity);
    const res = await world.as<{ placeOrder: { id: string } }>(user, PLACE_ORDER, {
      input: { shippingAddress: ADDRESS, paymentMethod: card, idempotencyKey: crypto.randomUUID() },
    });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.placeOrder.id;
  };
  const meta = (
    sagaId: string,
    step: number,
    action: SagaCommandMeta['action'] = 'execute',
    attempt = 1,
  ): SagaCommandMeta => ({
    sagaId,
    sagaType: 'place-order',
    step,
    stepName: `step-${step}`,
    action,
    attempt,
    replyTo: replyTopic,
  });
  const repliesOf = (sagaId: string): Reply[] =>
    replies.envelopes.filter((e) => e.key === sagaId).map((e) => e.data as unknown as Reply);
  const awaitReplies = (sagaId: string, n: number) =>
    waitUntil(() => repliesOf(sagaId).length >= n && repliesOf(sagaId), {
      what: `${n} replies of ${sagaId}`,
      timeoutMs: 20_000,
    });
  const ledger = (orderId: string) =>
    world.rows<LedgerRow>(
      `SELECT idempotency_key, kind, amount_cents, outcome, calls FROM simulated_provider_charge
       WHERE idempotency_key LIKE ? ORDER BY kind`,
      [`%:${orderId}`],
    );
  const status = async (orderId: string) =>
    (await world.rows<{ status: string }>('SELECT status FROM orders WHERE id = ?', [orderId]))[0]
      ?.status;
  const eventsOf = (orderId: string, type: string) =>
    events.envelopes.filter((e) => e.key === orderId && e.type === type);

  it('capture sent twice, resent and sent by a second saga charges once at the provider', async () => {
    const orderId = await placeWith(TEST_CARDS.success);
    const saga = `po:${orderId}`;
    const capture = world.command(capturePaymentV1, meta(saga, 1), { orderId });
    await publisher.send([capture]);
    await publisher.send([capture]); // a redelivery: same message id
    await publisher.send([
      world.command(capturePaymentV1, meta(saga, 1, 'execute', 2), { orderId }),
    ]);
    const other = `po2:${orderId}`;
    await publisher.send([world.command(capturePaymentV1, meta(other, 1), { orderId })]);
    // The capture is answered once the provider has been asked, after the command's transaction:
    // attempt 1's answer may be superseded by attempt 2's, which it always gets.
    await waitUntil(() => repliesOf(saga).some((r) => r.attempt === 2), {
      what: 'the answer to capture attempt 2',
      timeoutMs: 20_000,
    });
    const answers = [...repliesOf(saga), ...(await awaitReplies(other, 1))];
    const captureReplies = repliesOf(saga).length;
    for (const r of answers) assert.equal(r.outcome, 'succeeded', JSON.stringify(r));
    assert.equal(new Set(answers.map((r) => JSON.stringify(r.result))).size, 1);
    assert.equal(answers[0]?.result?.capturedCents, 2 * 2599);

    const books = await ledger(orderId);
    assert.deepEqual(
      books.map((r) => [r.kind, r.outcome, r.amount_cents]),
      [
        ['authorize', 'succeeded', 2 * 2599],
        ['capture', 'succeeded', 2 * 2599],
      ],
    );
    const payment = (
      await world.rows<{ status: string; captured_cents: number }>(
        'SELECT status, captured_cents FROM payments WHERE order_id = ?',
        [orderId],
      )
    )[0];
    assert.deepEqual(payment, { status: 'CAPTURED', captured_cents: 2 * 2599 });

    // Refund sent, redelivered and resent (and asked by the cancel saga too): one refund at the
    // provider. The redelivery (same message id) is dropped by the inbox: no reply.
    const refund = world.command(refundOrderPaymentV1, meta(saga, 1, 'compensate'), { orderId });
    await publisher.send([refund]);
    await publisher.send([refund]);
    await publisher.send([
      world.command(refundOrderPaymentV1, meta(saga, 1, 'compensate', 2), { orderId }),
    ]);
    await publisher.send([
      world.command(refundOrderPaymentV1, meta(`co:${orderId}`, 1), { orderId }),
    ]);
    const refunds = [
      ...(await awaitReplies(saga, captureReplies + 2)).slice(captureReplies),
      ...(await awaitReplies(`co:${orderId}`, 1)),
    ];
    assert.deepEqual(
      refunds.map((r) => [r.outcome, r.result?.refundedCents]),
      [
        ['succeeded', 2 * 2599],
        ['succeeded', 2 * 2599],
        ['succeeded', 0],
      ],
    );
    await world.drained();
    assert.equal(repliesOf(saga).length, captureReplies + 2);
    const after = await ledger(orderId);
    assert.equal(after.filter((r) => r.kind === 'refund').length, 1);
    assert.equal(after.find((r) => r.kind === 'refund')?.amount_cents, 2 * 2599);
  });

  it('a capture that crashed after the provider charged, before recording it, is charged once when run again', async () => {
    const orderId = await placeWith(TEST_CARDS.success);
    const { payments } = world.orders.orders;
    // The provider charged; the process died before the transaction that records it.
    const verdict = await payments.askProvider(orderId);
    assert.equal(verdict.kind, 'captured');
    // Our payment row is still PENDING; the provider's books kept the charge.
    const pending = await world.rows<{ status: string }>(
      'SELECT status FROM payments WHERE order_id = ?',
      [orderId],
    );
    assert.equal(pending[0]?.status, 'PENDING');
    const again = await payments.capture(orderId);
    assert.equal(again.ok, true);
    const books = await ledger(orderId);
    assert.deepEqual(
      books.map((r) => [r.kind, r.calls]),
      [
        ['authorize', 2],
        ['capture', 2],
      ],
    );
  });

  it('more captures at once than the service pool has connections all succeed (issue 12 deadlock)', async () => {
    // Captures once held a service-pool connection (their transaction) while they called the
    // provider, and a provider on the same pool deadlocked once every connection was held so.
    // More captures at once than connections proves neither side waits for the other's.
    const { orm, payments } = world.orders.orders;
    const poolMax = (orm.config.get('pool') as { max?: number } | undefined)?.max ?? 10;
    const orderIds: string[] = [];
    for (let i = 0; i < poolMax + 2; i++) orderIds.push(await placeWith(TEST_CARDS.success, 1));
    const outcomes = await Promise.race([
      Promise.all(orderIds.map((id) => payments.capture(id))),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('captures still waiting after 20 s')), 20_000).unref(),
      ),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.ok || o.reason),
      orderIds.map(() => true),
    );
  });

  it('a declined card is a refusal with the customer’s words, and nothing is charged', async () => {
    for (const [card, words] of [
      [TEST_CARDS.declined, /^Your card was declined\.$/],
      [TEST_CARDS.insufficientFunds, /^Your card has insufficient funds\.$/],
    ] as const) {
      const orderId = await placeWith(card);
      const saga = `po:${orderId}`;
      await publisher.send([world.command(capturePaymentV1, meta(saga, 1), { orderId })]);
      await publisher.send([
        world.command(capturePaymentV1, meta(saga, 1, 'execute', 2), { orderId }),
      ]);
      const second = await waitUntil(() => repliesOf(saga).find((r) => r.attempt === 2), {
        what: 'the answer to capture attempt 2',
        timeoutMs: 20_000,
      });
      assert.equal(second.outcome, 'failed', JSON.stringify(second));
      assert.match(second.reason ?? '', words, JSON.stringify(second));
      // Attempt 1's answer, when it came before attempt 2 was handled, is the same refusal.
      for (const r of repliesOf(saga)) assert.deepEqual(r, { ...second, attempt: r.attempt });
      const books = await ledger(orderId);
      assert.equal(books.filter((r) => r.kind === 'capture').length, 0);
    }
  });

  it('a provider that answers after the deadline is refused in time; a flaky one is retried with the same key', async () => {
    const slow = await placeWith(TEST_CARDS.timeout);
    const started = Date.now();
    await publisher.send([
      world.command(capturePaymentV1, meta(`po:${slow}`, 1), { orderId: slow }),
    ]);
    const [timedOut] = await awaitReplies(`po:${slow}`, 1);
    assert.equal(timedOut?.outcome, 'failed');
    assert.match(timedOut?.reason ?? '', /did not answer in time/);
    assert.ok(Date.now() - started < 5_000, 'answers within 5 s');
    // Refused only once the capture key is closed (voided): nothing can be charged under it later.
    assert.deepEqual(
      (await ledger(slow)).map((r) => [r.kind, r.outcome, r.amount_cents]),
      [['capture', 'voided', 0]],
    );

    const flaky = await placeWith(TEST_CARDS.flaky);
    await publisher.send([
      world.command(capturePaymentV1, meta(`po:${flaky}`, 1), { orderId: flaky }),
    ]);
    const [paid] = await awaitReplies(`po:${flaky}`, 1);
    assert.equal(paid?.outcome, 'succeeded', JSON.stringify(paid));
    const books = await ledger(flaky);
    assert.deepEqual(
      books.map((r) => [r.kind, r.outcome, r.calls]),
      [
        ['authorize', 'succeeded', 2],
        ['capture', 'succeeded', 1],
      ],
    );
  });

  /**
   * The simulated provider, except that `late` calls do their work at the provider and then answer
   * only after the caller's deadline (the charge or refund landed; its answer was lost), and
   * `unavailable` calls answer `unavailable` without doing anything.
   */
  const providerWith = (faults: {
    late?: 'capture' | 'refund';
    unavailable?: 'capture' | 'refund';
    hang?: 'authorize';
  }): PaymentProvider => {
    const real = new SimulatedPaymentProvider(world.orders.orders.orm);
    const answerLate = async <T>(work: Promise<T>, signal: AbortSignal): Promise<T> => {
      await work;
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      throw signal.reason as Error;
    };
    return {
      tokenize: (n) => real.tokenize(n),
      authorize: (r, signal) =>
        faults.hang === 'authorize'
          ? answerLate(real.authorize(r, new AbortController().signal), signal)
          : real.authorize(r, signal),
      capture: (r, signal) =>
        faults.unavailable === 'capture'
          ? Promise.resolve({ ok: false, refusal: 'unavailable', message: 'try later' })
          : faults.late === 'capture'
            ? answerLate(real.capture(r, new AbortController().signal), signal)
            : real.capture(r, signal),
      refund: (r, signal) =>
        faults.unavailable === 'refund'
          ? Promise.resolve({ ok: false, refusal: 'unavailable', message: 'try later' })
          : faults.late === 'refund'
            ? answerLate(real.refund(r, new AbortController().signal), signal)
            : real.refund(r, signal),
    };
  };
  const paymentsWith = (provider: PaymentProvider) =>
    new PaymentService(world.orders.orders.orm, world.orders.orders.repo, provider, {
      timeoutMs: 500,
      attempts: 2,
    });
  const inTransaction = <T>(work: (em: Parameters<PaymentService['refundWithin']>[0]) => T) =>
    world.orders.orders.orm.em.fork().transactional(work);
  const paymentRow = async (orderId: string) =>
    (
      await world.rows<{ status: string; failure_code: string | null }>(
        'SELECT status, failure_code FROM payments WHERE order_id = ?',
        [orderId],
      )
    )[0];

  it('a capture that charged but answered after the deadline is unknown, never a refusal', async () => {
    const orderId = await placeWith(TEST_CARDS.success);
    const late = paymentsWith(providerWith({ late: 'capture' }));
    const err = await late.capture(orderId).then(
      () => assert.fail('a late capture must not answer'),
      (e: unknown) => e,
    );
    // Not a refusal the saga would act on (compensating only the steps before it, leaving the
    // charge): an error the consumer retries with the same key.
    assert.ok(err instanceof PaymentOutcomeUnknownError, String(err));
    assert.ok(err instanceof StepOutcomeUnknownError);
    assert.equal((await paymentRow(orderId))?.status, 'PENDING');
    // Asked again, the provider answers the charge it made from its books: one charge.
    const again = await world.orders.orders.payments.capture(orderId);
    assert.equal(again.ok, true, JSON.stringify(again));
    const books = await ledger(orderId);
    assert.deepEqual(
      books.map((r) => [r.kind, r.outcome, r.calls]),
      [
        ['authorize', 'succeeded', 2],
        ['capture', 'succeeded', 2],
      ],
    );
  });

  it('the refund compensation of a capture that never recorded an answer refunds the landed charge', async () => {
    const orderId = await placeWith(TEST_CARDS.success);
    const saga = `po:${orderId}`;
    // The provider charged; the capture command never recorded it (it timed out, the saga gave up).
    await assert.rejects(
      paymentsWith(providerWith({ late: 'capture' })).capture(orderId),
      PaymentOutcomeUnknownError,
    );
    await publisher.send([
      world.command(refundOrderPaymentV1, meta(saga, 2, 'compensate'), { orderId }),
    ]);
    const [refund] = await awaitReplies(saga, 1);
    assert.equal(refund?.outcome, 'succeeded', JSON.stringify(refund));
    assert.equal(refund?.result?.refundedCents, 2 * 2599, JSON.stringify(refund));
    const books = await ledger(orderId);
    assert.deepEqual(
      books.map((r) => [r.kind, r.outcome, r.amount_cents]),
      [
        ['authorize', 'succeeded', 2 * 2599],
        ['capture', 'succeeded', 2 * 2599],
        ['refund', 'succeeded', 2 * 2599],
      ],
    );
    // The capture resent after the compensation is refused without charging again.
    await publisher.send([
      world.command(capturePaymentV1, meta(saga, 2, 'execute', 2), { orderId }),
    ]);
    const [, late] = await awaitReplies(saga, 2);
    assert.equal(late?.outcome, 'failed', JSON.stringify(late));
    assert.equal((await ledger(orderId)).length, 3);
  });

  it('a refund before any capture voids the payment: a capture arriving after it charges nothing', async () => {
    const orderId = await placeWith(TEST_CARDS.success);
    const { payments } = world.orders.orders;
    const refund = await inTransaction((em) => payments.refundWithin(em, orderId));
    assert.deepEqual(refund, { ok: true, refundedCents: 0 });
    assert.deepEqual(await paymentRow(orderId), { status: 'FAILED', failure_code: 'voided' });
    // A capture command reordered after the refund (another saga of the order): refused here.
    const capture = await payments.capture(orderId);
    assert.equal(capture.ok, false);
    // And a capture call still in flight at the provider (our side gave up on it) is refused there.
    const provider = new SimulatedPaymentProvider(world.orders.orders.orm);
    const token = (await provider.tokenize(TEST_CARDS.success)).token;
    const auth = await provider.authorize(
      { token, amountCents: 100, currency: 'USD', idempotencyKey: `authorize:${orderId}` },
      AbortSignal.timeout(5000),
    );
    assert.equal(auth.ok, true);
    const lateCapture = await provider.capture(
      {
        authorizationRef: auth.ok ? auth.reference : '',
        amountCents: 100,
        idempotencyKey: `capture:${orderId}`,
      },
      AbortSignal.timeout(5000),
    );
    assert.equal(lateCapture.ok, false, JSON.stringify(lateCapture));
    const captures = (await ledger(orderId)).filter((r) => r.kind === 'capture');
    assert.deepEqual(
      captures.map((r) => [r.outcome, r.amount_cents]),
      [['voided', 0]],
    );
  });

  /** Past a capture claim's lease under `paymentsWith` (3 s), with a margin for the clocks. */
  const CLAIM_EXPIRED_MS = 3_300;

  /**
   * The simulated provider with its capture held at a gate until `release`: `charge` charges first
   * and answers on release (a slow answer to a landed charge), `unavailable-late` answers
   * `unavailable` on release, `unavailable` at once (neither charges).
   */
  const gatedCapture = (mode: 'charge' | 'unavailable' | 'unavailable-late' = 'charge') => {
    const real = new SimulatedPaymentProvider(world.orders.orders.orm);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached = (): void => undefined;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    const unavailable = { ok: false, refusal: 'unavailable', message: 'try later' } as const;
    const provider: PaymentProvider = {
      tokenize: (n) => real.tokenize(n),
      authorize: (r, signal) => real.authorize(r, signal),
      capture: async (r) => {
        if (mode === 'unavailable') return unavailable;
        const answer =
          mode === 'charge' ? await real.capture(r, new AbortController().signal) : unavailable;
        reached();
        await gate;
        return answer;
      },
      refund: (r, signal) => real.refund(r, signal),
    };
    return { provider, release, atGate };
  };

  it('two captures of one order never ask at once: a refusal cannot refund the other’s charge', async () => {
    // Before the claim, a capture refused `unavailable` closed the capture key by refunding under
    // it, while another capture of the order (another process, another saga) had charged and went
    // on to record CAPTURED: the order shipped with its money given back.
    const orderId = await placeWith(TEST_CARDS.success);
    const first = gatedCapture();
    const pending = paymentsWith(first.provider).capture(orderId);
    await first.atGate;
    await assert.rejects(
      paymentsWith(gatedCapture('unavailable').provider).capture(orderId),
      (err: unknown) => err instanceof PaymentOutcomeUnknownError && /busy/.test(err.message),
    );
    first.release();
    assert.equal((await pending).ok, true);
    assert.equal((await paymentRow(orderId))?.status, 'CAPTURED');
    // Once the first is recorded, a second capture answers from the row without asking.
    assert.equal(
      (await paymentsWith(gatedCapture('unavailable').provider).capture(orderId)).ok,
      true,
    );
    assert.deepEqual(
      (await ledger(orderId)).map((r) => [r.kind, r.outcome, r.calls]),
      [
        ['authorize', 'succeeded', 1],
        ['capture', 'succeeded', 1],
      ],
    );
  });

  it('a capture that outlived its claim records nothing: the capture that took over answers', async () => {
    // paymentsWith: 500 ms deadlines, 2 attempts, so a claim lasts 2 × 2 × 500 ms + 1 s = 3 s.
    const orderId = await placeWith(TEST_CARDS.success);
    const slow = gatedCapture();
    const stale = paymentsWith(slow.provider).capture(orderId);
    await slow.atGate;
    await new Promise((resolve) => setTimeout(resolve, CLAIM_EXPIRED_MS));
    // Another capture takes the claim over and is itself slow to hear back.
    const next = gatedCapture();
    const current = paymentsWith(next.provider).capture(orderId);
    await next.atGate;
    slow.release();
    await assert.rejects(
      stale,
      (err: unknown) => err instanceof PaymentOutcomeUnknownError && /busy/.test(err.message),
    );
    assert.equal((await paymentRow(orderId))?.status, 'PENDING', 'the stale capture wrote nothing');
    next.release();
    const answered = await current;
    assert.equal(answered.ok, true, JSON.stringify(answered));
    assert.equal((await paymentRow(orderId))?.status, 'CAPTURED');
    assert.deepEqual(
      (await ledger(orderId)).map((r) => [r.kind, r.outcome, r.calls]),
      [
        ['authorize', 'succeeded', 2],
        ['capture', 'succeeded', 2],
      ],
    );
  });

  it('a capture refused after its claim expired never refunds the charge another recorded', async () => {
    // The provider answers `unavailable`, slowly (each answer within its deadline, all of them
    // after the claim's lease): such a refusal closes the capture key by refunding under it, which
    // once ran at once and gave back the charge another capture had meanwhile recorded.
    const orderId = await placeWith(TEST_CARDS.success);
    const slowRefusal = gatedCapture('unavailable-late');
    const stale = paymentsWith(slowRefusal.provider).capture(orderId);
    await slowRefusal.atGate;
    await new Promise((resolve) => setTimeout(resolve, CLAIM_EXPIRED_MS));
    const taken = await paymentsWith(new SimulatedPaymentProvider(world.orders.orders.orm)).capture(
      orderId,
    );
    assert.equal(taken.ok, true, JSON.stringify(taken));
    slowRefusal.release();
    // Its refusal meets a settled row and answers from it: what the other capture recorded.
    assert.deepEqual(await stale, taken);
    assert.equal((await paymentRow(orderId))?.status, 'CAPTURED');
    assert.deepEqual(
      (await ledger(orderId)).map((r) => [r.kind, r.outcome]),
      [
        ['authorize', 'succeeded'],
        ['capture', 'succeeded'],
      ],
      'nothing refunded',
    );
  });

  it('a capture retried after its charge landed refuses only with nothing kept', async () => {
    // The consumer's retry of a capture whose first try charged (its answer came too late) meets
    // a provider that is still slow: the authorisation, asked again by its key, does not answer in
    // time, or the capture answers `unavailable`. Neither says nothing is captured under the key.
    for (const retry of [{ hang: 'authorize' }, { unavailable: 'capture' }] as const) {
      const orderId = await placeWith(TEST_CARDS.success);
      await assert.rejects(
        paymentsWith(providerWith({ late: 'capture' })).capture(orderId),
        PaymentOutcomeUnknownError,
      );
      const outcome = await paymentsWith(providerWith(retry))
        .capture(orderId)
        .catch((err: unknown) => err);
      if (outcome instanceof PaymentOutcomeUnknownError) continue; // asked again later: fine
      // A refusal is final for the saga: it compensates only the steps before the capture.
      assert.deepEqual(outcome, { ok: false, reason: (outcome as { reason: string }).reason });
      const books = await ledger(orderId);
      const total = (kind: string) =>
        books
          .filter((r) => r.kind === kind && r.outcome === 'succeeded')
          .reduce((sum, r) => sum + r.amount_cents, 0);
      assert.equal(
        total('capture') - total('refund'),
        0,
        `${JSON.stringify(retry)}: refused, yet the charge is kept: ${JSON.stringify(books)}`,
      );
      assert.notEqual((await paymentRow(orderId))?.status, 'CAPTURED');
    }
  });

  it(
    'a capture whose outcome stays unknown holds up no other saga’s command on its partition',
    // Before the participant learned "outcome unknown", the consumer retried such a capture for
    // its transient budget (60 s) and the partition fetched nothing else meanwhile: the other
    // saga's open-order got no reply within 20 s.
    async () => {
      const stuck = await placeWith(TEST_CARDS.success);
      const other = await placeWith(TEST_CARDS.success);
      // The provider cannot write the stuck capture's key (an open transaction holds its row), so
      // every try of the capture times out: outcome unknown, nothing recorded, no reply.
      let release = (): void => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const holding = world.orders.orders.orm.em
        .fork()
        .transactional(async (em) => {
          await sqlRun(
            em,
            `INSERT INTO simulated_provider_charge (idempotency_key, kind, reference, amount_cents, outcome)
             VALUES (?, 'capture', 'held', 0, 'held')`,
            [`capture:${stuck}`],
          );
          await released;
          throw new Error('rolled back on purpose');
        })
        .catch(() => undefined);
      try {
        // Both sagas' keys on one partition (as a third of all saga ids are).
        await publisher.send([
          {
            ...world.command(capturePaymentV1, meta(`po:${stuck}`, 2), { orderId: stuck }),
            partition: 0,
          },
        ]);
        await waitUntil(async () => (await ledger(stuck)).some((r) => r.kind === 'authorize'), {
          what: 'the stuck capture to be tried',
          timeoutMs: 20_000,
        });
        await publisher.send([
          {
            ...world.command(openOrderV1, meta(`po:${other}`, 0), { orderId: other }),
            partition: 0,
          },
        ]);
        // The place-order saga gives open-order 3 × 10 s, then fails the order.
        const [opened] = await awaitReplies(`po:${other}`, 1);
        assert.equal(opened?.outcome, 'succeeded', JSON.stringify(opened));
      } finally {
        release();
        await holding;
      }
      // The unknown capture answered nothing and its step waits, deferred: the saga's resend runs
      // it again and is answered from the provider's books (the stuck try may have landed once
      // its row was free).
      assert.deepEqual(repliesOf(`po:${stuck}`), []);
      const logRows = await world.rows<{ outcome: string }>(
        'SELECT outcome FROM saga_participant_log WHERE saga_id = ?',
        [`po:${stuck}`],
      );
      assert.deepEqual(
        logRows.map((r) => r.outcome),
        ['deferred'],
        'an unknown outcome records no answer',
      );
      await publisher.send([
        world.command(capturePaymentV1, meta(`po:${stuck}`, 2, 'execute', 2), { orderId: stuck }),
      ]);
      // The first run, its provider row free again, may answer attempt 1 before the resend is
      // handled (the resend then repeats that answer); attempt 2 is answered either way.
      const resent = await waitUntil(() => repliesOf(`po:${stuck}`).find((r) => r.attempt === 2), {
        what: 'the answer to capture attempt 2',
        timeoutMs: 20_000,
      });
      // Asked, not answered from a leftover row: every reply carries the capture's result.
      for (const r of repliesOf(`po:${stuck}`)) {
        assert.equal(r.outcome, 'succeeded', JSON.stringify(r));
        assert.equal(r.result?.capturedCents, 2 * 2599, JSON.stringify(r));
      }
      assert.deepEqual(resent.result, repliesOf(`po:${stuck}`)[0]?.result);
      assert.equal((await paymentRow(stuck))?.status, 'CAPTURED');
      const captures = (await ledger(stuck)).filter((r) => r.kind === 'capture');
      assert.deepEqual(
        captures.map((r) => r.outcome),
        ['succeeded'],
      );
    },
  );

  it('a refund the provider cannot take now is retried, never refused', async () => {
    const orderId = await placeWith(TEST_CARDS.success);
    const { payments } = world.orders.orders;
    const captured = await payments.capture(orderId);
    assert.equal(captured.ok, true);
    for (const faults of [{ unavailable: 'refund' }, { late: 'refund' }] as const) {
      const err = await inTransaction((em) =>
        paymentsWith(providerWith(faults)).refundWithin(em, orderId),
      ).then(
        () => assert.fail(`${JSON.stringify(faults)}: must not answer`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof PaymentOutcomeUnknownError, String(err));
      assert.ok(err instanceof StepOutcomeUnknownError);
      assert.equal((await paymentRow(orderId))?.status, 'CAPTURED');
    }
    // The late refund did land at the provider; asked again, it refunds once.
    const refund = await inTransaction((em) => payments.refundWithin(em, orderId));
    assert.deepEqual(refund, { ok: true, refundedCents: 2 * 2599 });
    const refunds = (await ledger(orderId)).filter((r) => r.kind === 'refund');
    assert.deepEqual(
      refunds.map((r) => [r.amount_cents, r.calls]),
      [[2 * 2599, 2]],
    );
  });

  it('open, confirm twice: CONFIRMED once, with one order-confirmed v1 and v2', async () => {
    const orderId = await placeWith(TEST_CARDS.success);
    const saga = `po:${orderId}`;
    await publisher.send([world.command(openOrderV1, meta(saga, 0), { orderId })]);
    const confirm = world.command(confirmOrderV1, meta(saga, 4), { orderId });
    await publisher.send([confirm]);
    await publisher.send([confirm]);
    await publisher.send([world.command(confirmOrderV1, meta(saga, 4, 'execute', 2), { orderId })]);
    await publisher.send([world.command(confirmOrderV1, meta(`x:${orderId}`, 4), { orderId })]);
    const answers = [...(await awaitReplies(saga, 3)), ...(await awaitReplies(`x:${orderId}`, 1))];
    for (const r of answers) assert.equal(r.outcome, 'succeeded', JSON.stringify(r));
    assert.equal(await status(orderId), 'CONFIRMED');
    await world.drained();
    const confirmed = eventsOf(orderId, 'orders.order-confirmed');
    assert.deepEqual(confirmed.map((e) => e.version).sort(), [1, 2]);
    const v2 = confirmed.find((e) => e.version === 2)!.data;
    assert.equal(v2.totalCents, 2 * 2599);
    assert.deepEqual(v2.shippingAddress, ADDRESS);

    // Too late to fail it: a refusal, and no order-failed.
    await publisher.send([
      world.command(failOrderV1, meta(saga, 0, 'compensate'), {
        orderId,
        reason: 'too late',
        undone: [],
      }),
    ]);
    const [, , , refused] = await awaitReplies(saga, 4);
    assert.equal(refused?.outcome, 'failed');
    assert.equal(await status(orderId), 'CONFIRMED');
    assert.equal(eventsOf(orderId, 'orders.order-failed').length, 0);
  });

  it('fail-order twice: FAILED once with the reason, one order-failed v1 and v2 with what was undone', async () => {
    const orderId = await placeWith(TEST_CARDS.success);
    const saga = `po:${orderId}`;
    await publisher.send([world.command(openOrderV1, meta(saga, 0), { orderId })]);
    await awaitReplies(saga, 1);
    const fail = world.command(failOrderV1, meta(saga, 0, 'compensate'), {
      orderId,
      reason: 'Out of stock: lamp.',
      undone: ['STOCK_RELEASED'],
    });
    await publisher.send([fail]);
    await publisher.send([fail]);
    await publisher.send([
      world.command(failOrderV1, meta(saga, 0, 'compensate', 2), {
        orderId,
        reason: 'Out of stock: lamp.',
        undone: ['STOCK_RELEASED'],
      }),
    ]);
    const answers = (await awaitReplies(saga, 3)).slice(1);
    for (const r of answers) assert.equal(r.outcome, 'succeeded', JSON.stringify(r));
    const row = (
      await world.rows<{ status: string; failure_reason: string }>(
        'SELECT status, failure_reason FROM orders WHERE id = ?',
        [orderId],
      )
    )[0];
    assert.deepEqual(row, { status: 'FAILED', failure_reason: 'Out of stock: lamp.' });
    await world.drained();
    const failed = eventsOf(orderId, 'orders.order-failed');
    assert.deepEqual(failed.map((e) => e.version).sort(), [1, 2]);
    const v2 = failed.find((e) => e.version === 2)!.data;
    assert.equal(v2.reason, 'Out of stock: lamp.');
    assert.deepEqual(v2.undone, ['STOCK_RELEASED']);
    assert.equal(v2.refundedCents, 0);
    // A late confirm of a failed order is refused.
    await publisher.send([world.command(confirmOrderV1, meta(saga, 4), { orderId })]);
    const late = (await awaitReplies(saga, 4))[3];
    assert.equal(late?.outcome, 'failed', JSON.stringify(late));
    assert.equal(await status(orderId), 'FAILED');
  });
});
