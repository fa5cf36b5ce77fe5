/**
 * The credit ledger's rules. A user's credit is an append-only list of entries in integer minor
 * units; the balance is their running total and never goes below zero. Pure: the service locks the
 * account, asks these functions, and appends what they allow.
 */

/** Why an entry was written. Positive kinds add credit, negative ones take it. */
export const CREDIT_ENTRY_KINDS = [
  /** Registration bonus or an admin's grant. */
  'GRANT',
  /** A grant taken back (the bonus saga's compensation, an admin's revocation). */
  'REVOKE',
  /** Spent on an order. */
  'DEBIT',
  /** An order's debit given back (the order failed or was cancelled). */
  'GIVE_BACK',
] as const;
export type CreditEntryKind = (typeof CREDIT_ENTRY_KINDS)[number];

/** The verdict on taking `amountCents` from a balance. */
export type DebitVerdict =
  | { readonly ok: true; readonly balanceAfterCents: number }
  | { readonly ok: false; readonly reason: string };

/** A debit never takes the balance below zero. */
export function judgeDebit(balanceCents: number, amountCents: number): DebitVerdict {
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0)
    return { ok: false, reason: `the amount must be a positive whole number of cents` };
  if (amountCents > balanceCents)
    return {
      ok: false,
      reason: `not enough credit: ${amountCents} wanted, ${balanceCents} available`,
    };
  return { ok: true, balanceAfterCents: balanceCents - amountCents };
}

/**
 * How much of a grant a revocation takes back: all of it, or what is left when part was spent
 * meanwhile (the balance never goes negative; the shortfall is recorded with the entry).
 */
export function revocableCents(
  balanceCents: number,
  grantedCents: number,
): { readonly amountCents: number; readonly shortfallCents: number } {
  const amountCents = Math.max(0, Math.min(balanceCents, grantedCents));
  return { amountCents, shortfallCents: grantedCents - amountCents };
}
