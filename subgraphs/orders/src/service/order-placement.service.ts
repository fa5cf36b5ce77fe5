import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/mysql';
import {
  BadUserInputError,
  ConflictError,
  UnauthenticatedError,
  type FieldProblem,
  type Logger,
} from '@shop/platform';
import {
  assignShipmentPayloadV1,
  postalAddress,
  reserveStockPayloadV1,
  type PostalAddress,
} from '@shop/schema';
import type { Identity } from '@shop/subgraph-kit';
import { parseDeductions } from '../domain/deductions.js';
import { newOrderNumber, orderTotals, type OrderLine } from '../domain/order.js';
import { normaliseCardNumber } from '../domain/payment.js';
import { canonicalInput, judgePlacement } from '../domain/placement.js';
import type { OrderRecord } from '../persistence/order.entity.js';
import { isDuplicateKey, type OrderRepository } from '../persistence/order.repository.js';
import type {
  CartPort,
  CheckoutCart,
  CheckoutLine,
  CustomerDirectory,
} from './checkout-sources.js';
import type { OrderEventWriter } from './order-events.js';
import type { PaymentProvider } from './payment-provider.js';

export interface PlaceOrderInput {
  readonly shippingAddress: PostalAddress;
  /** The card number as typed; only the provider's token, brand and last four are kept. */
  readonly paymentMethod: string;
  readonly idempotencyKey: string;
  /** A coupon to redeem; checked by users when the saga redeems it. */
  readonly couponCode?: string | null;
  /** Store credit to apply, at most, in minor units; never more than the order costs. */
  readonly creditCents?: number | null;
}

export interface PlacementDeps {
  readonly orm: MikroORM;
  readonly repo: OrderRepository;
  readonly events: OrderEventWriter;
  readonly cart: CartPort;
  readonly customers: CustomerDirectory;
  readonly provider: PaymentProvider;
  readonly logger: Logger;
  /** Deadline of the provider's tokenize call. @default 5000 */
  readonly providerTimeoutMs?: number;
  /** After the placement committed (wake the outbox relay). */
  readonly afterCommit?: () => void;
}

/** Orders are priced in one currency until catalog has more. */
const CURRENCY = 'USD';
const KEY = /^[\x21-\x7e]{8,200}$/;

/**
 * `placeOrder`: creates the signed-in customer's order from their cart, in PENDING, with its
 * payment method and `orders.order-placed` (which starts the place-order saga) in one
 * transaction. Lines, prices and titles come from cart (which prices from catalog now), never
 * from the client.
 *
 * Idempotency, Stripe's way: the key with the same input returns the first order; with another
 * input, CONFLICT. Concurrent requests with one key all read the cart and price it, but the
 * unique key (user, idempotency key) lets one INSERT through; the others find its row and answer
 * from it through the same verdict (`judgePlacement`). A replay never needs the cart, which the
 * first placement cleared.
 *
 * The cart is cleared after placement (not at confirmation): a failed order's lines are in the
 * order, and the customer's cart is free for the next one at once. Clearing is conditional on the
 * cart's version, so lines added during placement stay, and a failure to clear is only logged.
 */
export class OrderPlacement {
  constructor(private readonly deps: PlacementDeps) {}

  async place(identity: Identity, input: PlaceOrderInput): Promise<OrderRecord> {
    const userId = identity.userId;
    if (userId === undefined) throw new UnauthenticatedError('sign in to place an order');
    const { address, cardNumber, key, deductions } = this.validate(input);
    const { repo, orm } = this.deps;
    const card = await this.deps.provider.tokenize(
      cardNumber,
      AbortSignal.timeout(this.deps.providerTimeoutMs ?? 5000),
    );
    const fingerprint = createHash('sha256')
      // The coupon and credit are part of the input: the same key with another coupon or another
      // amount of credit is a different order (CONFLICT), not a replay. Absent ones are left out
      // (undefined is dropped), so a key used before coupons existed still replays.
      .update(
        canonicalInput({
          shippingAddress: address,
          card: card.fingerprint,
          couponCode: deductions.couponCode,
          creditCents: deductions.creditRequestedCents || undefined,
        }),
      )
      .digest('hex');
    const earlier = await this.answerFromKey(userId, key, fingerprint);
    if (earlier !== undefined) return earlier;

    // The email does not depend on the cart: ask users while cart answers (two round trips of
    // checkout's critical path become one). Its failure is handled where it is awaited, or
    // dropped with it when the cart read ends the placement first.
    const emailLookup = this.deps.customers.emailOf(userId);
    emailLookup.catch(() => undefined);
    const read = await this.readCart(userId, key, fingerprint);
    if ('replay' in read) return read.replay;
    const { cart, lines } = read;
    const email = await emailLookup;
    if (email === undefined) throw new UnauthenticatedError('this account no longer exists');
    const totals = orderTotals(lines);
    const id = crypto.randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        const order = await orm.em.fork().transactional(async (em) => {
          await repo.insert(em, {
            id,
            userId,
            orderNumber: newOrderNumber(),
            idempotencyKey: key,
            inputFingerprint: fingerprint,
            currency: CURRENCY,
            totals,
            deductions,
            lines,
            customer: { userId, email, name: address.name },
            shippingAddress: address,
          });
          await repo.insertPayment(em, {
            orderId: id,
            amountCents: totals.totalCents,
            currency: CURRENCY,
            cardToken: card.token,
            cardBrand: card.brand,
            cardLast4: card.last4,
          });
          const created = await repo.lock(em, id);
          if (created === null) throw new Error(`order ${id} vanished`);
          await this.deps.events.placed(em, created);
          return created;
        });
        this.deps.afterCommit?.();
        this.deps.logger.info({ orderId: id, totalCents: totals.totalCents }, 'order placed');
        await this.clearCart(userId, cart.version);
        return order;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Another request with this key won the race: answer from its order.
        const raced = await this.answerFromKey(userId, key, fingerprint);
        if (raced !== undefined) return raced;
        // Otherwise the order number collided (50 random bits): draw another.
        if (attempt >= 3) throw err;
      }
    }
  }

  /**
   * The cart to order from. A concurrent request with the same key may have placed the order and
   * cleared this cart between our key check and this read; it commits the order before it clears
   * the cart, so a refusal here (empty cart, a line gone) checks the key again and answers a
   * replay from that order instead of an error the first request never saw.
   */
  private async readCart(
    userId: string,
    key: string,
    fingerprint: string,
  ): Promise<{ cart: CheckoutCart; lines: OrderLine[] } | { replay: OrderRecord }> {
    try {
      const cart = await this.deps.cart.checkoutCart(userId);
      return { cart, lines: this.orderLines(cart.lines) };
    } catch (err) {
      if (!(err instanceof BadUserInputError)) throw err;
      const raced = await this.answerFromKey(userId, key, fingerprint);
      if (raced !== undefined) return { replay: raced };
      throw err;
    }
  }

  private async answerFromKey(
    userId: string,
    key: string,
    fingerprint: string,
  ): Promise<OrderRecord | undefined> {
    const existing = await this.deps.repo.byKey(this.deps.orm.em, userId, key);
    const verdict = judgePlacement(
      existing === null
        ? undefined
        : { orderId: existing.id, fingerprint: existing.inputFingerprint ?? '' },
      fingerprint,
    );
    switch (verdict.kind) {
      case 'new':
        return undefined;
      case 'replay':
        return existing ?? undefined;
      case 'conflict':
        throw new ConflictError(
          'this idempotency key was already used for a different order; use a new key',
          { orderId: verdict.orderId },
        );
    }
  }

  private validate(input: PlaceOrderInput) {
    const problems: FieldProblem[] = [];
    const address = postalAddress.safeParse(input.shippingAddress);
    if (!address.success)
      for (const issue of address.error.issues)
        problems.push({
          field: ['shippingAddress', ...issue.path.map(String)].join('.'),
          message: issue.message,
        });
    // What the place-order saga's steps accept, checked here: an order its saga cannot start would
    // stay PENDING for good. Delivery serves US ZIP codes only.
    if (address.success) {
      if (address.data.country !== 'US')
        problems.push({ field: 'shippingAddress.country', message: 'we deliver to US only' });
      else if (!assignShipmentPayloadV1.shape.postalCode.safeParse(address.data.postalCode).success)
        problems.push({
          field: 'shippingAddress.postalCode',
          message: 'must be a US ZIP code (12345 or 12345-6789)',
        });
    }
    const cardNumber = normaliseCardNumber(input.paymentMethod);
    if (cardNumber === undefined)
      problems.push({ field: 'paymentMethod', message: 'is not a valid card number' });
    if (!KEY.test(input.idempotencyKey))
      problems.push({
        field: 'idempotencyKey',
        message: 'must be 8 to 200 printable characters (a UUID is a good key)',
      });
    const deductions = parseDeductions(input);
    if (!deductions.ok) problems.push(...deductions.problems);
    if (problems.length > 0 || !address.success || cardNumber === undefined || !deductions.ok)
      throw BadUserInputError.fromProblems(problems);
    return {
      address: address.data,
      cardNumber,
      key: input.idempotencyKey,
      deductions: deductions.request,
    };
  }

  /** The order's lines from the priced cart; an empty cart or a flagged line is refused. */
  private orderLines(lines: readonly CheckoutLine[]): OrderLine[] {
    if (lines.length === 0)
      throw BadUserInputError.fromProblems([{ field: 'cart', message: 'is empty' }]);
    const problems = lines.flatMap((l): FieldProblem[] =>
      l.problem === null && l.unitPriceCents !== null && l.title !== null
        ? []
        : [
            {
              field: `cart.${l.productId}`,
              message: `cannot be ordered now (${(l.problem ?? 'UNAVAILABLE').toLowerCase().replaceAll('_', ' ')})`,
            },
          ],
    );
    const stockLines = lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
    if (!reserveStockPayloadV1.shape.lines.safeParse(stockLines).success)
      problems.push({ field: 'cart', message: 'holds more lines than one order takes (100)' });
    const units = lines.reduce((sum, l) => sum + l.quantity, 0);
    if (!assignShipmentPayloadV1.shape.units.safeParse(units).success)
      problems.push({
        field: 'cart',
        message: `holds ${units} items; one order ships at most 10000`,
      });
    if (problems.length > 0) throw BadUserInputError.fromProblems(problems);
    return lines.map((l) => ({
      productId: l.productId,
      title: l.title ?? l.productId,
      quantity: l.quantity,
      unitPriceCents: l.unitPriceCents ?? 0,
    }));
  }

  private async clearCart(userId: string, version: number): Promise<void> {
    try {
      const cleared = await this.deps.cart.clearCheckedOut(userId, version);
      if (!cleared) this.deps.logger.info({ userId }, 'cart changed during placement: kept');
    } catch (err) {
      this.deps.logger.warn({ err, userId }, 'could not clear the cart after placement');
    }
  }
}
