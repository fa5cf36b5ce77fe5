import { z } from 'zod';

/**
 * Building blocks shared by event payloads. Amounts are integers in the minor unit of the event's
 * `currency` (cents for USD and EUR, yen for JPY, fils for BHD: ISO 4217's exponent), never floats.
 */

/** An ISO 4217 alphabetic code, upper case (`USD`, `EUR`, `JPY`). */
export const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');

/** An amount in the minor unit of the payload's `currency`. */
export const minorUnits = z.number().int().nonnegative();

/** The human-facing order reference (printed on emails and invoices), not the internal id. */
export const orderNumber = z.string().min(1).max(32);

/**
 * Who an order's emails go to, as the order recorded it at placement (orders keeps this snapshot
 * with the order, so later emails about the order reach the address it was placed with).
 */
export const customerContact = z.object({
  userId: z.string().min(1),
  email: z.email(),
  /** Display name used in the greeting. */
  name: z.string().min(1).max(200),
});
export type CustomerContact = z.infer<typeof customerContact>;

/** A delivery address as entered at checkout. */
export const postalAddress = z.object({
  /** Recipient's name at the door. */
  name: z.string().min(1).max(200),
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).optional(),
  city: z.string().min(1).max(100),
  /** State, province or county, where the country uses one. */
  region: z.string().max(100).optional(),
  postalCode: z.string().min(1).max(20),
  /** ISO 3166-1 alpha-2 (`US`, `DE`). */
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as US'),
});
export type PostalAddress = z.infer<typeof postalAddress>;
