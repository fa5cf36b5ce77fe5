import type { MikroORM } from '@mikro-orm/core';
import { sqlRun } from '@shop/messaging';
import {
  BadUserInputError,
  ConflictError,
  NotFoundError,
  UnauthenticatedError,
  type FieldProblem,
} from '@shop/platform';
import type { Identity } from '@shop/subgraph-kit';
import { isValidWorkingHours, type WorkingHours } from '../domain/assignment.js';
import { locatePostalCode } from '../domain/geo.js';
import {
  DeliveryPartnerEntity,
  type DeliveryPartnerRecord,
} from '../persistence/delivery-partner.entity.js';

export interface PartnerInput {
  readonly userId: string;
  readonly name: string;
  readonly contact: string;
  readonly capacity: number;
  readonly rating: number;
  readonly available: boolean;
  readonly homePostalCode: string;
  readonly radiusKm: number;
  readonly serviceAreas: readonly string[];
  readonly workingHours: WorkingHours;
}

const AREA = /^\d{1,5}$/;
const UUIDISH = /^[A-Za-z0-9-]{1,36}$/;

/** Every problem of a partner's settings (all of them, or only those given for a patch). */
export function partnerProblems(input: Partial<PartnerInput>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const bad = (field: string, message: string) => problems.push({ field, message });
  if (input.userId !== undefined && !UUIDISH.test(input.userId))
    bad('userId', 'must be a users account id');
  if (input.name !== undefined && (input.name.trim().length === 0 || input.name.length > 200))
    bad('name', 'must be 1-200 characters');
  if (input.contact !== undefined && input.contact.length > 200)
    bad('contact', 'at most 200 characters');
  if (
    input.capacity !== undefined &&
    (!Number.isInteger(input.capacity) || input.capacity < 1 || input.capacity > 10_000)
  )
    bad('capacity', 'must be a whole number from 1 to 10000');
  if (input.rating !== undefined && !(input.rating >= 0 && input.rating <= 5))
    bad('rating', 'must be from 0 to 5');
  if (input.homePostalCode !== undefined && locatePostalCode(input.homePostalCode) === undefined)
    bad('homePostalCode', 'must be a known US ZIP code');
  if (input.radiusKm !== undefined && !(input.radiusKm >= 0 && input.radiusKm <= 500))
    bad('radiusKm', 'must be from 0 to 500');
  if (
    input.serviceAreas !== undefined &&
    (input.serviceAreas.length > 200 || !input.serviceAreas.every((a) => AREA.test(a)))
  )
    bad('serviceAreas', 'at most 200 ZIP codes or prefixes of 1-5 digits');
  if (input.workingHours !== undefined && !isValidWorkingHours(input.workingHours))
    bad('workingHours', 'days 0-6, from/to as HH:MM and a valid IANA time zone');
  return problems;
}

/** Partners' profiles: created and changed by admins, availability by the partner itself. */
export class PartnerService {
  constructor(
    private readonly orm: MikroORM,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: PartnerInput): Promise<DeliveryPartnerRecord> {
    const problems = partnerProblems(input);
    if (problems.length > 0) throw BadUserInputError.fromProblems(problems);
    const home = locatePostalCode(input.homePostalCode)!;
    const em = this.orm.em.fork();
    const id = crypto.randomUUID();
    const now = this.now();
    const res = await sqlRun(
      em,
      `INSERT IGNORE INTO delivery_partners (id, user_id, name, contact, capacity, current_load, rating,
         available, home_postal_code, home_lat, home_lng, radius_km, service_areas, working_hours,
         created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        input.userId,
        input.name.trim(),
        input.contact,
        input.capacity,
        input.rating,
        input.available,
        input.homePostalCode,
        home.latitude,
        home.longitude,
        input.radiusKm,
        JSON.stringify(input.serviceAreas),
        JSON.stringify(input.workingHours),
        now,
        now,
      ],
    );
    if (res.affectedRows !== 1)
      throw new ConflictError(`user ${input.userId} already has a delivery partner profile`);
    return this.byId(id);
  }

  /**
   * Changes the given settings. Capacity below the partner's current load is refused
   * (BAD_USER_INPUT), decided by the UPDATE's own WHERE so a concurrent assignment cannot slip in.
   */
  async update(
    id: string,
    patch: Partial<Omit<PartnerInput, 'userId'>>,
  ): Promise<DeliveryPartnerRecord> {
    const problems = partnerProblems(patch);
    if (problems.length > 0) throw BadUserInputError.fromProblems(problems);
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (patch.name !== undefined) set('name', patch.name.trim());
    if (patch.contact !== undefined) set('contact', patch.contact);
    if (patch.capacity !== undefined) set('capacity', patch.capacity);
    if (patch.rating !== undefined) set('rating', patch.rating);
    if (patch.available !== undefined) set('available', patch.available);
    if (patch.homePostalCode !== undefined) {
      const home = locatePostalCode(patch.homePostalCode)!;
      set('home_postal_code', patch.homePostalCode);
      set('home_lat', home.latitude);
      set('home_lng', home.longitude);
    }
    if (patch.radiusKm !== undefined) set('radius_km', patch.radiusKm);
    if (patch.serviceAreas !== undefined) set('service_areas', JSON.stringify(patch.serviceAreas));
    if (patch.workingHours !== undefined) set('working_hours', JSON.stringify(patch.workingHours));
    // The candidate index rebuilds when this moves (service/candidate-index.ts).
    if (
      patch.homePostalCode !== undefined ||
      patch.radiusKm !== undefined ||
      patch.serviceAreas !== undefined
    )
      sets.push('geometry_at = CURRENT_TIMESTAMP(6)');
    set('updated_at', this.now());
    const em = this.orm.em.fork();
    const capacityGuard = patch.capacity !== undefined ? ' AND current_load <= ?' : '';
    const res = await sqlRun(
      em,
      `UPDATE delivery_partners SET ${sets.join(', ')} WHERE id = ?${capacityGuard}`,
      [...params, id, ...(patch.capacity !== undefined ? [patch.capacity] : [])],
    );
    if (res.affectedRows !== 1) {
      await this.byId(id); // NOT_FOUND when missing
      throw BadUserInputError.fromProblems([
        { field: 'capacity', message: 'must be at least the partner’s current load' },
      ]);
    }
    return this.byId(id);
  }

  /** The signed-in partner switches itself on or off duty. */
  async setAvailability(identity: Identity, available: boolean): Promise<DeliveryPartnerRecord> {
    if (identity.userId === undefined) throw new UnauthenticatedError('sign in first');
    const me = await this.ofUser(identity.userId);
    if (me === undefined) throw new NotFoundError('you have no delivery partner profile');
    await sqlRun(
      this.orm.em.fork(),
      'UPDATE delivery_partners SET available = ?, updated_at = ? WHERE id = ?',
      [available, this.now(), me.id],
    );
    return this.byId(me.id);
  }

  async ofUser(userId: string): Promise<DeliveryPartnerRecord | undefined> {
    return (
      (await this.orm.em
        .fork()
        .findOne(DeliveryPartnerEntity, { userId }, { disableIdentityMap: true })) ?? undefined
    );
  }

  async list(): Promise<DeliveryPartnerRecord[]> {
    return this.orm.em.fork().find(DeliveryPartnerEntity, {}, { orderBy: { name: 'asc' } });
  }

  async byId(id: string): Promise<DeliveryPartnerRecord> {
    const p = await this.orm.em
      .fork()
      .findOne(DeliveryPartnerEntity, { id }, { disableIdentityMap: true });
    if (p === null) throw new NotFoundError(`delivery partner ${id} not found`);
    return p;
  }
}
