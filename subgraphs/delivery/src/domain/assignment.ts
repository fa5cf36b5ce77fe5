import { distanceKm } from './geo.js';
import type { Position } from './shipment.js';

/**
 * When a partner works, in its own time zone: `days` 0 (Sunday) … 6, `from`/`to` as `HH:MM`.
 * `to` earlier than `from` is a night shift that ends the next day.
 */
export interface WorkingHours {
  readonly days: readonly number[];
  readonly from: string;
  readonly to: string;
  readonly timeZone: string;
}

/** What the engine knows of a partner when it ranks candidates. */
export interface PartnerCandidate {
  readonly id: string;
  readonly capacity: number;
  readonly load: number;
  readonly rating: number;
  readonly available: boolean;
  readonly home: Position;
  readonly radiusKm: number;
  /** ZIP codes or prefixes (`100` serves 10001 … 10099). */
  readonly serviceAreas: readonly string[];
  readonly workingHours: WorkingHours;
}

export interface AssignmentRequest {
  readonly postalCode: string;
  readonly destination: Position;
  readonly units: number;
}

export type Ineligibility = 'outside-area' | 'unavailable' | 'off-duty' | 'no-capacity';

export interface RankedCandidate {
  readonly partnerId: string;
  readonly distanceKm: number;
  readonly score: number;
}

export interface Ranking {
  /** Best first. */
  readonly candidates: readonly RankedCandidate[];
  readonly rejected: ReadonlyMap<string, Ineligibility>;
}

/**
 * Score weights (lower score is better). Each term lies in [0, 1]:
 * - distance: home → destination over DISTANCE_SCALE_KM (capped at 1), weight 0.5; one scale for
 *   every partner, so a partner with a wide radius is not favoured over a nearer one;
 * - load: the partner's share of capacity in use before this order, weight 0.3;
 * - rating: (5 − rating) / 5, weight 0.2.
 * Ties (equal to 1e-9) go to the nearer partner, then to the smaller partner id: the choice is
 * deterministic for one input.
 */
export const SCORE_WEIGHTS = { distance: 0.5, load: 0.3, rating: 0.2 } as const;
export const DISTANCE_SCALE_KM = 50;

const MINUTES = /^([01]\d|2[0-3]):([0-5]\d)$/;
const minutesOf = (hhmm: string): number => {
  const m = MINUTES.exec(hhmm);
  if (m === null) throw new Error(`bad time ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
};

export const isValidWorkingHours = (h: WorkingHours): boolean => {
  if (!MINUTES.test(h.from) || !MINUTES.test(h.to) || h.days.length === 0) return false;
  if (!h.days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: h.timeZone });
    return true;
  } catch {
    return false;
  }
};

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Weekday (0 = Sunday) and minute of the day of `at` in `timeZone`. */
function localTime(at: Date, timeZone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    day: WEEKDAYS.indexOf(get('weekday')),
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

/** Whether `at` falls in the working hours; a night shift belongs to the day it starts. */
export function isWorkingAt(hours: WorkingHours, at: Date): boolean {
  const { day, minute } = localTime(at, hours.timeZone);
  const from = minutesOf(hours.from);
  const to = minutesOf(hours.to);
  if (from === to) return hours.days.includes(day); // around the clock on those days
  if (from < to) return hours.days.includes(day) && minute >= from && minute < to;
  return (
    (hours.days.includes(day) && minute >= from) ||
    (hours.days.includes((day + 6) % 7) && minute < to)
  );
}

/** A partner serves an address whose ZIP starts with one of its areas, or lies within its radius. */
export function serves(p: PartnerCandidate, req: AssignmentRequest, km: number): boolean {
  return p.serviceAreas.some((area) => req.postalCode.startsWith(area)) || km <= p.radiusKm;
}

export function scoreOf(p: PartnerCandidate, km: number): number {
  const distance = Math.min(1, km / DISTANCE_SCALE_KM);
  const load = p.capacity > 0 ? Math.min(1, p.load / p.capacity) : 1;
  const rating = (5 - Math.min(5, Math.max(0, p.rating))) / 5;
  return (
    SCORE_WEIGHTS.distance * distance + SCORE_WEIGHTS.load * load + SCORE_WEIGHTS.rating * rating
  );
}

/**
 * The partners that can take the order, best first, and why each other one cannot. Eligible:
 * serves the address, is available, works now and has room for the order's units (by the load it
 * had when read: the conditional UPDATE that takes the capacity decides for real).
 */
export function rankCandidates(
  partners: readonly PartnerCandidate[],
  req: AssignmentRequest,
  now: Date,
): Ranking {
  const rejected = new Map<string, Ineligibility>();
  const candidates: RankedCandidate[] = [];
  for (const p of partners) {
    const km = distanceKm(p.home, req.destination);
    const why: Ineligibility | undefined = !serves(p, req, km)
      ? 'outside-area'
      : !p.available
        ? 'unavailable'
        : !isWorkingAt(p.workingHours, now)
          ? 'off-duty'
          : p.load + req.units > p.capacity
            ? 'no-capacity'
            : undefined;
    if (why === undefined)
      candidates.push({ partnerId: p.id, distanceKm: km, score: scoreOf(p, km) });
    else rejected.set(p.id, why);
  }
  candidates.sort(
    (a, b) =>
      (Math.abs(a.score - b.score) > 1e-9 ? a.score - b.score : 0) ||
      a.distanceKm - b.distanceKm ||
      (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0),
  );
  return { candidates, rejected };
}

const REASON_WORDS: Record<Ineligibility, string> = {
  'outside-area': 'outside the service area',
  unavailable: 'unavailable',
  'off-duty': 'not working now',
  'no-capacity': 'without room',
};

/**
 * The refusal: `no delivery partner available for 10001: 2 outside the service area,
 * 1 without room for 5 items`. `lostRaces` counts candidates whose capacity was taken by
 * concurrent assignments between the read and the conditional UPDATE.
 */
export function noPartnerReason(
  req: { postalCode: string; units: number },
  rejected: ReadonlyMap<string, Ineligibility>,
  lostRaces = 0,
): string {
  const counts = new Map<Ineligibility, number>();
  for (const why of rejected.values()) counts.set(why, (counts.get(why) ?? 0) + 1);
  const parts = (Object.keys(REASON_WORDS) as Ineligibility[])
    .filter((k) => counts.has(k) || (k === 'no-capacity' && lostRaces > 0))
    .map((k) =>
      k === 'no-capacity'
        ? `${(counts.get(k) ?? 0) + lostRaces} without room for ${req.units} item${req.units === 1 ? '' : 's'}`
        : `${counts.get(k)} ${REASON_WORDS[k]}`,
    );
  return `no delivery partner available for ${req.postalCode}: ${parts.length === 0 ? 'no partners' : parts.join(', ')}`;
}
