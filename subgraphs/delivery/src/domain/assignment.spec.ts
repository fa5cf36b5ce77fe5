import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isWorkingAt,
  noPartnerReason,
  rankCandidates,
  type PartnerCandidate,
  type WorkingHours,
} from './assignment.js';
import { locatePostalCode } from './geo.js';

const ALWAYS: WorkingHours = {
  days: [0, 1, 2, 3, 4, 5, 6],
  from: '00:00',
  to: '00:00',
  timeZone: 'UTC',
};
const at = (zip: string) => locatePostalCode(zip)!;
const partner = (id: string, over: Partial<PartnerCandidate> = {}): PartnerCandidate => ({
  id,
  capacity: 10,
  load: 0,
  rating: 5,
  available: true,
  home: at('10001'),
  radiusKm: 20,
  serviceAreas: ['100'],
  workingHours: ALWAYS,
  ...over,
});
const req = { postalCode: '10001', destination: at('10001'), units: 2 };
const now = new Date('2026-12-01T12:00:00Z');
const best = (ps: PartnerCandidate[], r = req) =>
  rankCandidates(ps, r, now).candidates[0]?.partnerId;

describe('rankCandidates', () => {
  const cases: [string, PartnerCandidate[], string | undefined][] = [
    ['nearest wins', [partner('far', { home: at('10301') }), partner('near')], 'near'],
    ['least loaded wins', [partner('busy', { load: 6 }), partner('idle', { load: 1 })], 'idle'],
    ['better rated wins', [partner('ok', { rating: 3 }), partner('good', { rating: 4.8 })], 'good'],
    [
      'too small is skipped',
      [partner('full', { load: 9 }), partner('room', { load: 2, home: at('10301') })],
      'room',
    ],
    [
      'unavailable is skipped',
      [partner('off', { available: false }), partner('on', { load: 5 })],
      'on',
    ],
    [
      'outside the area is skipped',
      [partner('la', { home: at('90001'), serviceAreas: ['900'] }), partner('ny', { load: 8 })],
      'ny',
    ],
    [
      'off duty is skipped',
      [
        partner('night', { workingHours: { ...ALWAYS, from: '22:00', to: '06:00' } }),
        partner('day', { load: 5 }),
      ],
      'day',
    ],
    ['ties go to the smaller id', [partner('b'), partner('a')], 'a'],
    ['none', [partner('x', { available: false }), partner('y', { load: 10 })], undefined],
  ];
  for (const [name, partners, expected] of cases)
    it(name, () => {
      assert.equal(best(partners), expected);
      assert.equal(best([...partners].reverse()), expected, 'independent of input order');
    });

  it('weighs distance against load as documented', () => {
    // 10301 is ~17 km from 10001: 0.5 × 17/50 ≈ 0.17 outweighs 0.3 × 4/10 = 0.12 of load.
    assert.equal(
      best([partner('near-busy', { load: 4 }), partner('far-idle', { home: at('10301') })]),
      'near-busy',
    );
    assert.equal(
      best([partner('near-full-ish', { load: 8 }), partner('far-idle', { home: at('10301') })]),
      'far-idle',
    );
  });

  it('serves by radius when no area matches', () => {
    assert.equal(best([partner('r', { serviceAreas: [], radiusKm: 5 })]), 'r');
    assert.equal(
      best([partner('r', { serviceAreas: [], radiusKm: 5, home: at('10301') })]),
      undefined,
    );
  });

  it('names every reason in the refusal', () => {
    const { rejected } = rankCandidates(
      [
        partner('a', { available: false }),
        partner('b', { load: 9 }),
        partner('c', { home: at('90001'), serviceAreas: ['900'] }),
        partner('d', { home: at('90002'), serviceAreas: ['900'] }),
      ],
      req,
      now,
    );
    assert.equal(
      noPartnerReason(req, rejected),
      'no delivery partner available for 10001: 2 outside the service area, 1 unavailable, 1 without room for 2 items',
    );
    assert.equal(
      noPartnerReason(req, new Map(), 3),
      'no delivery partner available for 10001: 3 without room for 2 items',
    );
    assert.equal(
      noPartnerReason(req, new Map()),
      'no delivery partner available for 10001: no partners',
    );
  });
});

describe('isWorkingAt', () => {
  const nineToFive: WorkingHours = {
    days: [1, 2, 3, 4, 5],
    from: '09:00',
    to: '17:00',
    timeZone: 'America/New_York',
  };
  it('reads the hours in the partner’s time zone', () => {
    // Tue 2026-12-01 12:00 UTC is 07:00 in New York.
    assert.equal(isWorkingAt(nineToFive, new Date('2026-12-01T12:00:00Z')), false);
    assert.equal(isWorkingAt(nineToFive, new Date('2026-12-01T15:00:00Z')), true);
    assert.equal(isWorkingAt(nineToFive, new Date('2026-12-01T22:00:00Z')), false);
    // Sat 2026-12-05 15:00 UTC.
    assert.equal(isWorkingAt(nineToFive, new Date('2026-12-05T15:00:00Z')), false);
  });
  it('lets a night shift run past midnight into the next day', () => {
    const night: WorkingHours = { days: [5], from: '22:00', to: '06:00', timeZone: 'UTC' };
    assert.equal(isWorkingAt(night, new Date('2026-12-04T23:00:00Z')), true); // Fri 23:00
    assert.equal(isWorkingAt(night, new Date('2026-12-05T05:00:00Z')), true); // Sat 05:00
    assert.equal(isWorkingAt(night, new Date('2026-12-05T07:00:00Z')), false);
    assert.equal(isWorkingAt(night, new Date('2026-12-03T23:00:00Z')), false); // Thu
  });
});
