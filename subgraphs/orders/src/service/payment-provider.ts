/**
 * The payment provider port (DESIGN 5, 9). Every money-moving call carries an idempotency key: the
 * provider keeps its answer by key, so a call repeated after a crash, a timeout or a redelivered
 * command moves money once. A real provider (Stripe, Adyen) plugs in behind the same interface;
 * `SimulatedPaymentProvider` is the development and test one.
 */
export interface PaymentProvider {
  /**
   * Turns a card number into the provider's token (what the order keeps instead of the number),
   * its brand, last four digits and a stable fingerprint of the card. No money moves.
   */
  tokenize(cardNumber: string, signal: AbortSignal): Promise<CardToken>;
  authorize(request: AuthorizeRequest, signal: AbortSignal): Promise<ProviderAnswer<'authorize'>>;
  capture(request: CaptureRequest, signal: AbortSignal): Promise<ProviderAnswer<'capture'>>;
  /**
   * Refunds the charge captured under `captureKey`. When nothing is captured there, the provider
   * voids the key instead and answers `refundedCents: 0`: a capture under that key arriving later
   * (one our side timed out on, still in flight) is refused, so a refund can never be overtaken by
   * the charge it was meant to undo. Stripe's equivalent is cancelling the PaymentIntent.
   */
  refund(request: RefundRequest, signal: AbortSignal): Promise<ProviderAnswer<'refund'>>;
}

export interface CardToken {
  readonly token: string;
  readonly brand: string;
  readonly last4: string;
  /** The same for the same card number, whoever tokenizes it; never the number itself. */
  readonly fingerprint: string;
}

export interface AuthorizeRequest {
  readonly token: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly idempotencyKey: string;
}

export interface CaptureRequest {
  readonly authorizationRef: string;
  readonly amountCents: number;
  readonly idempotencyKey: string;
}

export interface RefundRequest {
  /** The idempotency key the charge was captured with. */
  readonly captureKey: string;
  readonly amountCents: number;
  readonly idempotencyKey: string;
}

/** Why the provider refused; `unavailable` is worth another try with the same key. */
export type ProviderRefusal = 'declined' | 'insufficient_funds' | 'unavailable';

export type ProviderAnswer<K extends 'authorize' | 'capture' | 'refund'> =
  | ({ readonly ok: true; readonly reference: string } & (K extends 'refund'
      ? { readonly refundedCents: number }
      : object))
  | { readonly ok: false; readonly refusal: ProviderRefusal; readonly message: string };

/** The customer-facing words for a refusal (the saga fails the order with them). */
export const REFUSAL_MESSAGES: Readonly<Record<ProviderRefusal | 'timeout', string>> = {
  declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  unavailable: 'The payment provider is unavailable; nothing was charged.',
  timeout: 'The payment provider did not answer in time; nothing was charged.',
};
