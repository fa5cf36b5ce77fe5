import { getDistance } from 'geolib';
import zipcodes from 'zipcodes';
import type { Position } from './shipment.js';

export const POSTAL_CODE_PATTERN = /^\d{5}(-\d{4})?$/;

/**
 * The centre of a US ZIP code (the `zipcodes` package: pure JS, its data inside, ~42k codes),
 * or undefined when unknown. ZIP+4 resolves by its first five digits.
 */
export function locatePostalCode(postalCode: string): Position | undefined {
  if (!POSTAL_CODE_PATTERN.test(postalCode)) return undefined;
  const hit = zipcodes.lookup(postalCode.slice(0, 5));
  return hit === undefined ? undefined : { latitude: hit.latitude, longitude: hit.longitude };
}

/** Great-circle (haversine) distance in kilometres. */
export const distanceKm = (a: Position, b: Position): number => getDistance(a, b, 1) / 1000;
