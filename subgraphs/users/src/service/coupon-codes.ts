import { randomBytes } from 'node:crypto';

/** Where coupon codes come from (a port: tests inject one that fails). */
export interface CouponCodes {
  next(): string;
}

// Crockford's base32: no I, L, O or U, so a code read aloud or typed is not misread.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * 80 bits from the operating system's CSPRNG as 16 base32 characters, `XXXX-XXXX-XXXX-XXXX`:
 * unguessable (guessing one of a million live codes takes about 2^60 tries) and short enough to
 * type.
 */
export const randomCouponCodes: CouponCodes = {
  next() {
    const bytes = randomBytes(10);
    let bits = 0;
    let value = 0;
    let out = '';
    for (const byte of bytes) {
      value = (value << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        out += ALPHABET[(value >>> (bits - 5)) & 31];
        bits -= 5;
      }
      value &= (1 << bits) - 1;
    }
    return out.match(/.{4}/g)!.join('-');
  },
};

/** A typed code as stored: upper case, grouped by four; spaces and dashes are the user's business. */
export function normalizeCouponCode(input: string): string {
  const compact = input.toUpperCase().replace(/[\s-]/g, '');
  return compact.length === 16 ? compact.match(/.{4}/g)!.join('-') : compact;
}
