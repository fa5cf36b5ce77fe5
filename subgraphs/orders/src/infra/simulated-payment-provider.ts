import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { sqlRows, sqlRun } from '@shop/messaging';
import { untilAborted } from '@shop/platform';
import type {
  AuthorizeRequest,
  CaptureRequest,
  CardToken,
  PaymentProvider,
  ProviderAnswer,
  ProviderRefusal,
  RefundRequest,
} from '../service/payment-provider.js';

/**
 * Deterministic test cards of the simulated provider (any other Luhn-valid number succeeds).
 * `timeout` answers only after the caller's deadline; `flaky` fails the first call of each
 * idempotency key as unavailable, then succeeds.
 */
export const TEST_CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  timeout: '4000000000000259',
  flaky: '4000000000000770',
} as const;

type Behaviour = 'success' | 'declined' | 'insufficient_funds' | 'timeout' | 'flaky';

const BEHAVIOUR_OF: ReadonlyMap<string, Behaviour> = new Map([
  [TEST_CARDS.declined, 'declined'],
  [TEST_CARDS.insufficientFunds, 'insufficient_funds'],
  [TEST_CARDS.timeout, 'timeout'],
  [TEST_CARDS.flaky, 'flaky'],
]);

/** The simulator's "secret" for card fingerprints: fixed, so fingerprints survive restarts. */
const FINGERPRINT_KEY = 'simulated-provider-fingerprints';

interface LedgerRow {
  kind: string;
  reference: string;
  amount_cents: number;
  /** `voided`: a capture key a refund closed before any capture came (see `refund`). */
  outcome: 'succeeded' | ProviderRefusal | 'voided';
  reason: string | null;
}

export interface SimulatedProviderOptions {
  /**
   * How long the `timeout` card takes to answer: longer than any caller's deadline.
   * @default 60000
   */
  readonly hangMs?: number;
}

/**
 * A payment provider that keeps its books in the `simulated_provider_charge` table, one row per
 * idempotency key, written through its own ORM and connection pool (outside the caller's
 * transaction and never competing for the caller's connections, as a real provider's books are): a charge stays made even when the caller's transaction rolls back, and a
 * retry with the same key finds it and charges nothing new. The card's behaviour travels in its
 * token (`simtok_<behaviour>_<random>`), so the number is never kept.
 */
export class SimulatedPaymentProvider implements PaymentProvider {
  private readonly hangMs: number;

  constructor(
    private readonly orm: MikroORM,
    options: SimulatedProviderOptions = {},
  ) {
    this.hangMs = options.hangMs ?? 60_000;
  }

  tokenize(cardNumber: string): Promise<CardToken> {
    const behaviour = BEHAVIOUR_OF.get(cardNumber) ?? 'success';
    return Promise.resolve({
      token: `simtok_${behaviour}_${crypto.randomUUID().replaceAll('-', '')}`,
      brand: cardNumber.startsWith('4')
        ? 'visa'
        : cardNumber.startsWith('5')
          ? 'mastercard'
          : 'card',
      last4: cardNumber.slice(-4),
      fingerprint: createHmac('sha256', FINGERPRINT_KEY).update(cardNumber).digest('hex'),
    });
  }

  async authorize(
    request: AuthorizeRequest,
    signal: AbortSignal,
  ): Promise<ProviderAnswer<'authorize'>> {
    const behaviour = behaviourOf(request.token);
    if (behaviour === 'timeout') return this.hang(signal);
    const outcome =
      behaviour === 'declined'
        ? 'declined'
        : behaviour === 'insufficient_funds'
          ? 'insufficient_funds'
          : 'succeeded';
    const row = await this.record(signal, request.idempotencyKey, {
      kind: 'authorize',
      prefix: 'auth',
      amountCents: request.amountCents,
      cardToken: request.token,
      related: null,
      outcome,
      flaky: behaviour === 'flaky',
    });
    return answer(row);
  }

  async capture(request: CaptureRequest, signal: AbortSignal): Promise<ProviderAnswer<'capture'>> {
    const auth = await untilAborted(
      signal,
      this.byReference(request.authorizationRef, 'authorize'),
    );
    if (auth?.outcome !== 'succeeded')
      return { ok: false, refusal: 'declined', message: 'no such authorisation' };
    const row = await this.record(signal, request.idempotencyKey, {
      kind: 'capture',
      prefix: 'ch',
      amountCents: Math.min(request.amountCents, auth.amount_cents),
      cardToken: null,
      related: auth.reference,
      outcome: 'succeeded',
      flaky: false,
    });
    return answer(row);
  }

  async refund(request: RefundRequest, signal: AbortSignal): Promise<ProviderAnswer<'refund'>> {
    const [charge] = await untilAborted(
      signal,
      sqlRows<LedgerRow>(
        this.em(),
        `SELECT kind, reference, amount_cents, outcome, reason FROM simulated_provider_charge
         WHERE idempotency_key = ? AND kind = 'capture'`,
        [request.captureKey],
      ),
    );
    if (charge?.outcome !== 'succeeded') {
      // Nothing captured (yet): void the capture key by writing its row first. Whichever of this
      // insert and a late capture's insert reaches the primary key first decides; the loser finds
      // the winner's row (the capture is refused, or this refund finds the charge and refunds it).
      const voided = await this.record(signal, request.captureKey, {
        kind: 'capture',
        prefix: 'void',
        amountCents: 0,
        cardToken: null,
        related: null,
        outcome: 'voided',
        flaky: false,
      });
      if (voided.outcome !== 'succeeded') return { ok: true, reference: 'none', refundedCents: 0 };
      return this.refundCharge(signal, request, voided);
    }
    return this.refundCharge(signal, request, charge);
  }

  private async refundCharge(
    signal: AbortSignal,
    request: RefundRequest,
    charge: LedgerRow,
  ): Promise<ProviderAnswer<'refund'>> {
    const row = await this.record(signal, request.idempotencyKey, {
      kind: 'refund',
      prefix: 're',
      amountCents: Math.min(request.amountCents, charge.amount_cents),
      cardToken: null,
      related: charge.reference,
      outcome: 'succeeded',
      flaky: false,
    });
    const a = answer(row);
    return a.ok ? { ...a, refundedCents: row.amount_cents } : a;
  }

  /** Answers after the caller's deadline: the caller sees its own timeout, nothing is recorded. */
  private async hang(signal: AbortSignal): Promise<never> {
    await sleep(this.hangMs, undefined, { signal });
    throw new Error('simulated provider: answered too late');
  }

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  private async byReference(reference: string, kind: string): Promise<LedgerRow | undefined> {
    const [row] = await sqlRows<LedgerRow>(
      this.em(),
      `SELECT kind, reference, amount_cents, outcome, reason FROM simulated_provider_charge
       WHERE reference = ? AND kind = ?`,
      [reference, kind],
    );
    return row;
  }

  /**
   * The provider's idempotency: the first call of a key writes its answer; every later call of the
   * key returns that answer (counting the call). A flaky card's first call writes `unavailable`,
   * which the next call of the key turns into the real outcome, once (the UPDATE is conditional).
   */
  private record(
    signal: AbortSignal,
    key: string,
    call: Parameters<SimulatedPaymentProvider['write']>[1],
  ): Promise<LedgerRow> {
    return untilAborted(signal, this.write(key, call));
  }

  private async write(
    key: string,
    call: {
      kind: string;
      prefix: string;
      amountCents: number;
      cardToken: string | null;
      related: string | null;
      outcome: LedgerRow['outcome'];
      flaky: boolean;
    },
  ): Promise<LedgerRow> {
    const em = this.em();
    const reference = `${call.prefix}_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`;
    const first = call.flaky ? 'unavailable' : call.outcome;
    const inserted = await sqlRun(
      em,
      `INSERT IGNORE INTO simulated_provider_charge
         (idempotency_key, kind, reference, related_reference, card_token, amount_cents, outcome, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [key, call.kind, reference, call.related, call.cardToken, call.amountCents, first, first],
    );
    if (inserted.affectedRows === 0) {
      await sqlRun(
        em,
        `UPDATE simulated_provider_charge
         SET calls = calls + 1, updated_at = CURRENT_TIMESTAMP(3),
             outcome = IF(outcome = 'unavailable', ?, outcome)
         WHERE idempotency_key = ?`,
        [call.outcome, key],
      );
    }
    const [row] = await sqlRows<LedgerRow>(
      em,
      `SELECT kind, reference, amount_cents, outcome, reason FROM simulated_provider_charge
       WHERE idempotency_key = ?`,
      [key],
    );
    if (row === undefined) throw new Error(`simulated provider: ledger row ${key} missing`);
    if (row.kind !== call.kind)
      throw new Error(`simulated provider: key ${key} was used for a ${row.kind}`);
    return row;
  }
}

function behaviourOf(token: string): Behaviour {
  const behaviour = /^simtok_([a-z_]+)_[0-9a-f]+$/.exec(token)?.[1];
  switch (behaviour) {
    case 'success':
    case 'declined':
    case 'insufficient_funds':
    case 'timeout':
    case 'flaky':
      return behaviour;
    default:
      return 'declined';
  }
}

const MESSAGES: Readonly<Record<ProviderRefusal, string>> = {
  declined: 'card declined',
  insufficient_funds: 'insufficient funds',
  unavailable: 'temporarily unavailable',
};

function answer(row: LedgerRow): ProviderAnswer<'authorize' | 'capture'> {
  if (row.outcome === 'succeeded') return { ok: true, reference: row.reference };
  if (row.outcome === 'voided')
    return { ok: false, refusal: 'declined', message: 'the payment was cancelled before capture' };
  return { ok: false, refusal: row.outcome, message: MESSAGES[row.outcome] };
}
