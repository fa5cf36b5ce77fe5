/**
 * Formats an amount given in the currency's minor unit (cents, yen, fils) for `locale`. The minor
 * unit's exponent is the one Intl knows for the currency (ISO 4217: 2 for USD, 0 for JPY, 3 for
 * BHD), and the decimal is built as a string, so no float rounding ever shows (Intl formats a
 * decimal string exactly).
 */
export function formatMinorUnits(minor: number, currency: string, locale: string): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an integer amount: ${minor}`);
  const { format, digits } = currencyFormat(locale, currency);
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor)).padStart(digits + 1, '0');
  const decimal =
    digits === 0 ? abs : `${abs.slice(0, abs.length - digits)}.${abs.slice(abs.length - digits)}`;
  // Intl accepts decimal strings (ES2023 Intl.NumberFormat v3) and formats them without a float.
  return format.format(`${sign}${decimal}` as unknown as number);
}

// Building an Intl formatter costs about a millisecond (it was the worker's top function in a
// profile); there are a handful of locale/currency pairs, so each is built once.
const currencyFormats = new Map<string, { format: Intl.NumberFormat; digits: number }>();
function currencyFormat(
  locale: string,
  currency: string,
): { format: Intl.NumberFormat; digits: number } {
  const key = `${locale}|${currency}`;
  let entry = currencyFormats.get(key);
  if (entry === undefined) {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    entry = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    currencyFormats.set(key, entry);
  }
  return entry;
}
