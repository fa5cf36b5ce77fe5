import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planDemoPartners, superstorePostalCodes } from './dev-seed.js';
import { rankCandidates } from './domain/assignment.js';
import { locatePostalCode } from './domain/geo.js';

describe('demo partners for the sample data set', () => {
  it('cover the postal code of every Superstore order line', async () => {
    const codes = await superstorePostalCodes();
    assert.ok(codes.length > 500, `${codes.length} postal codes`);
    const plan = planDemoPartners(codes);
    const partners = plan.map((p, i) => ({
      ...p,
      id: `p${i}`,
      load: 0,
      home: locatePostalCode(p.homePostalCode)!,
    }));
    const now = new Date();
    const uncovered = codes.filter((code) => {
      const destination = locatePostalCode(code);
      return (
        destination !== undefined &&
        rankCandidates(partners, { postalCode: code, destination, units: 1 }, now).candidates
          .length === 0
      );
    });
    assert.deepEqual(uncovered, []);
  });
});
