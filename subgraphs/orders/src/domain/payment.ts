/** Where an order's payment stands. */
export const PAYMENT_STATUSES = [
  /** Nothing asked of the provider yet. */
  'PENDING',
  /** Authorised and captured: the money is taken. */
  'CAPTURED',
  /**
   * Nothing taken: the provider refused (declined, insufficient funds), the authorisation went
   * unanswered, or a refund voided the payment before any capture (`failure_code` `voided`).
   */
  'FAILED',
  /** Captured, then refunded in full. */
  'REFUNDED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The provider idempotency keys of an order's payment: one charge and one refund per order. */
export const paymentKeys = (orderId: string) => ({
  authorize: `authorize:${orderId}`,
  capture: `capture:${orderId}`,
  refund: `refund:${orderId}`,
});

/** Luhn check of a card number (digits only). */
export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Digits of a card number as typed (spaces and dashes allowed), or undefined when it is not one. */
export function normaliseCardNumber(input: string): string | undefined {
  const digits = input.replace(/[\s-]/g, '');
  return luhnValid(digits) ? digits : undefined;
}
