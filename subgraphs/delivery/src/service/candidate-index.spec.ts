import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planDemoPartners, superstorePostalCodes } from '../dev-seed.js';
import { serves } from '../domain/assignment.js';
import { distanceKm, locatePostalCode } from '../domain/geo.js';
import { ALWAYS } from '../seed.js';
import { CandidateIndex } from './candidate-index.js';

describe('candidate index', () => {
  it('returns every partner that serves an address (the seeded partners, every sample ZIP)', async () => {
    const codes = await superstorePostalCodes();
    const partners = planDemoPartners(codes).map((p, i) => ({
      ...p,
      id: `p${i}`,
      home: locatePostalCode(p.homePostalCode)!,
      // vary the radii so that the search radius is not one partner's
      radiusKm: 5 + (i % 7) * 10,
    }));
    const index = new CandidateIndex(partners);
    let found = 0;
    for (const code of codes) {
      const destination = locatePostalCode(code);
      if (destination === undefined) continue;
      const got = new Set(index.candidates(code, destination));
      const serving = partners.filter((p) =>
        serves(
          { ...p, capacity: 1, load: 0, rating: 5, available: true, workingHours: ALWAYS },
          { postalCode: code, destination, units: 1 },
          distanceKm(p.home, destination),
        ),
      );
      for (const p of serving) assert.ok(got.has(p.id), `${p.id} serves ${code} but is missing`);
      found += serving.length;
      // and it is a narrow superset, not everyone
      assert.ok(got.size < partners.length / 4, `${got.size} candidates for ${code}`);
    }
    assert.ok(found > codes.length / 2);
  });

  it('finds a partner by radius alone, and nobody in an empty index', () => {
    const home = locatePostalCode('10001')!;
    const index = new CandidateIndex([{ id: 'a', home, radiusKm: 30, serviceAreas: ['999'] }]);
    assert.deepEqual(index.candidates('10002', locatePostalCode('10002')!), ['a']);
    assert.deepEqual(index.candidates('90001', locatePostalCode('90001')!), []);
    assert.deepEqual(new CandidateIndex([]).candidates('10001', home), []);
  });
});
