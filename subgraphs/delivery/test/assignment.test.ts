import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createLogger } from '@shop/platform';
import { TestStack } from '@shop/testing';
import { seedDemoPartners } from '../src/index.js';
import { openDeliveryWorld, type DeliveryWorld } from './delivery-world.js';

const uid = () => crypto.randomUUID();

describe('assignment engine against MariaDB', () => {
  const stack = new TestStack('dlvassign');
  let world: DeliveryWorld;

  before(async () => {
    world = await openDeliveryWorld(stack);
  });
  after(async () => {
    await world?.close();
  });
  // Each case starts from no partners: the engine considers every partner in the table.
  beforeEach(async () => {
    await world.rows('DELETE FROM delivery_partners');
  });

  const assign = (postalCode = '10001', units = 1) =>
    world.app.delivery.assignments.assign({
      orderId: uid(),
      customerId: uid(),
      postalCode,
      units,
    });
  const partnerOf = async (postalCode?: string, units?: number) => {
    const r = await assign(postalCode, units);
    return r.outcome === 'assigned' ? r.partnerId : r.reason;
  };

  it('picks the nearest partner when the rest is equal', async () => {
    const [far, near] = await world.partners([
      { userId: uid(), name: 'far', homePostalCode: '10301', serviceAreas: ['100'] },
      { userId: uid(), name: 'near', homePostalCode: '10001', serviceAreas: ['100'] },
    ]);
    assert.notEqual(far, near);
    assert.equal(await partnerOf(), near);
  });

  it('a partner moved by an admin is found at its new home at once (the index follows)', async () => {
    const [ny, la] = await world.partners([
      { userId: uid(), name: 'ny', homePostalCode: '10301', serviceAreas: ['100'] },
      { userId: uid(), name: 'la', homePostalCode: '90001', serviceAreas: ['900'] },
    ]);
    assert.equal(await partnerOf('10001'), ny);
    // moved into the area, nearer than ny: the index must see the new home to offer it
    await world.app.delivery.partners.update(la!, {
      homePostalCode: '10001',
      serviceAreas: ['100'],
    });
    assert.equal(await partnerOf('10001'), la);
  });

  it('picks the least loaded partner at equal distance', async () => {
    const [, idle] = await world.partners([
      { userId: uid(), name: 'busy', load: 6 },
      { userId: uid(), name: 'idle', load: 1 },
    ]);
    assert.equal(await partnerOf(), idle);
  });

  it('skips a partner whose capacity is too small, one unavailable and one outside the area', async () => {
    const [, , , ok] = await world.partners([
      { userId: uid(), name: 'small', capacity: 2 },
      { userId: uid(), name: 'off', available: false },
      { userId: uid(), name: 'la', homePostalCode: '90001', serviceAreas: ['900'] },
      { userId: uid(), name: 'ok', homePostalCode: '10301', serviceAreas: ['100'], load: 5 },
    ]);
    assert.equal(await partnerOf('10001', 3), ok);
  });

  it('refuses with the reason when no partner can take it', async () => {
    await world.partners([
      { userId: uid(), name: 'small', capacity: 2 },
      { userId: uid(), name: 'off', available: false },
      { userId: uid(), name: 'la', homePostalCode: '90001', serviceAreas: ['900'] },
      {
        userId: uid(),
        name: 'night',
        workingHours: { days: [0, 1, 2, 3, 4, 5, 6], from: '00:00', to: '00:01', timeZone: 'UTC' },
      },
    ]);
    const r = await assign('10001', 3);
    assert.deepEqual(r, {
      outcome: 'refused',
      reason:
        'no delivery partner available for 10001: 1 outside the service area, 1 unavailable, 1 not working now, 1 without room for 3 items',
    });
    assert.deepEqual(await assign('00000'), {
      outcome: 'refused',
      reason: 'unknown postal code 00000',
    });
  });

  it('50 concurrent assignments against total capacity 20: 20 assigned, 30 refused, none over', async () => {
    const ids = await world.partners(
      [5, 5, 4, 6].map((capacity, i) => ({
        userId: uid(),
        name: `p${i}`,
        capacity,
        homePostalCode: ['10001', '10002', '10003', '10011'][i]!,
        serviceAreas: ['100'],
      })),
    );
    const countShipments = async () =>
      Number((await world.rows<{ n: number }>('SELECT COUNT(*) AS n FROM shipments'))[0]?.n);
    const before = await countShipments();
    const settled = await Promise.allSettled(Array.from({ length: 50 }, () => assign('10001', 1)));
    const failures = settled.filter((r) => r.status === 'rejected');
    assert.deepEqual(failures, [], 'no assignment errs (no deadlock, no CHECK violation)');
    const results = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const assigned = results.filter((r) => r.outcome === 'assigned');
    const refused = results.filter((r) => r.outcome === 'refused');
    assert.equal(assigned.length, 20);
    assert.equal(refused.length, 30);
    for (const r of refused)
      assert.equal(r.reason, 'no delivery partner available for 10001: 4 without room for 1 item');
    const loads = await world.rows<{ id: string; capacity: number; current_load: number }>(
      'SELECT id, capacity, current_load FROM delivery_partners',
    );
    assert.equal(loads.length, ids.length);
    for (const p of loads)
      assert.equal(p.current_load, p.capacity, `partner ${p.id} full, not over`);
    const perPartner = await world.rows<{ partner_id: string; n: number }>(
      `SELECT partner_id, COUNT(*) AS n FROM shipments WHERE status = 'ASSIGNED' GROUP BY partner_id`,
    );
    for (const p of perPartner.filter((x) => ids.includes(x.partner_id)))
      assert.equal(Number(p.n), loads.find((l) => l.id === p.partner_id)?.capacity);
    // Refused assignments leave no shipment behind.
    assert.equal((await countShipments()) - before, 20);
  });

  it('an assignment is idempotent by order id', async () => {
    const [only] = await world.partners([{ userId: uid(), name: 'only', capacity: 3 }]);
    const order = { orderId: uid(), customerId: uid(), postalCode: '10001', units: 2 };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => world.app.delivery.assignments.assign(order)),
    );
    assert.equal(
      new Set(results.map((r) => (r.outcome === 'assigned' ? r.shipmentId : r.reason))).size,
      1,
    );
    assert.equal(results.filter((r) => r.outcome === 'assigned' && !r.repeated).length, 1);
    const [p] = await world.rows<{ current_load: number }>(
      'SELECT current_load FROM delivery_partners WHERE id = ?',
      [only],
    );
    assert.equal(p?.current_load, 2);
  });

  it('development seeds demo partners once, with one partner login shown once', async () => {
    const logger = createLogger('delivery', 'silent');
    const provisioned: { email: string; password: string }[] = [];
    const shown: string[] = [];
    const login = {
      provision: (email: string, password: string) => {
        provisioned.push({ email, password });
        return Promise.resolve('login-user-id');
      },
      show: (text: string) => void shown.push(text),
    };
    const created = await seedDemoPartners(world.app.orm, logger, login);
    assert.ok(created > 100, `${created} partners`);
    assert.equal(provisioned.length, 1);
    const [{ email, password }] = provisioned as [{ email: string; password: string }];
    assert.match(password, /^(?=.*[A-Za-z])(?=.*\d).{16}$/);
    assert.deepEqual(shown.length, 1);
    assert.ok(shown[0]!.includes(email) && shown[0]!.includes(password), shown[0]);
    const [partner] = await world.rows<{ id: string }>(
      "SELECT id FROM delivery_partners WHERE user_id = 'login-user-id'",
    );
    assert.ok(partner !== undefined, 'the login is linked to a partner');

    // once: a second start finds partners and provisions and shows nothing
    assert.equal(await seedDemoPartners(world.app.orm, logger, login), 0);
    assert.equal(provisioned.length, 1);
    assert.equal(shown.length, 1);

    // Henderson, KY: the Superstore's first order line goes to the login's partner.
    const r = await assign('42420', 2);
    assert.equal(r.outcome === 'assigned' && r.partnerId, partner.id);
  });

  it('a failed login provisioning creates no demo partner, so the next start tries again', async () => {
    const logger = createLogger('delivery', 'silent');
    const shown: string[] = [];
    await assert.rejects(
      seedDemoPartners(world.app.orm, logger, {
        provision: () => Promise.reject(new Error('users database down')),
        show: (text) => void shown.push(text),
      }),
      /users database down/,
    );
    assert.deepEqual(await world.rows('SELECT id FROM delivery_partners'), []);
    assert.deepEqual(shown, []);
  });

  it('the dev-seed command refuses to run outside development', async () => {
    const url = new URL(world.dbUrl);
    const database = decodeURIComponent(url.pathname.slice(1));
    url.pathname = '/';
    const cli = path.join(import.meta.dirname, '..', 'src', 'dev-seed-cli.js');
    const run = spawnSync(process.execPath, [cli], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        MYSQL_URL: url.toString(),
        MYSQL_DATABASE: database,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 64, run.stderr);
    assert.match(run.stderr, /refused, NODE_ENV is production/);
    assert.deepEqual(await world.rows('SELECT id FROM delivery_partners'), []);
  });
});
