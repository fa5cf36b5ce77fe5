import type { EntityManager } from '@mikro-orm/core';
import { sqlRows, sqlRun } from '@shop/messaging';
import type { PartnerCandidate, WorkingHours } from '../domain/assignment.js';
import type { Position, ShipmentStatus } from '../domain/shipment.js';

/** A shipment row as the write path reads it (under its row lock). */
export interface ShipmentRow {
  readonly id: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly partnerId: string | null;
  readonly partnerUserId: string | null;
  readonly status: ShipmentStatus;
  readonly trackingCode: string;
  readonly units: number;
  readonly postalCode: string;
  readonly destination: Position | null;
  readonly sequence: number;
}

interface RawShipment {
  id: string;
  order_id: string;
  customer_id: string;
  partner_id: string | null;
  partner_user_id: string | null;
  status: ShipmentStatus;
  tracking_code: string;
  units: number | string;
  postal_code: string;
  dest_lat: number | null;
  dest_lng: number | null;
  sequence: number | string;
}

const toShipment = (r: RawShipment): ShipmentRow => ({
  id: r.id,
  orderId: r.order_id,
  customerId: r.customer_id,
  partnerId: r.partner_id,
  partnerUserId: r.partner_user_id,
  status: r.status,
  trackingCode: r.tracking_code,
  units: Number(r.units),
  postalCode: r.postal_code,
  destination:
    r.dest_lat === null || r.dest_lng === null
      ? null
      : { latitude: Number(r.dest_lat), longitude: Number(r.dest_lng) },
  sequence: Number(r.sequence),
});

const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

export interface PartnerRow extends PartnerCandidate {
  readonly userId: string;
}

const PARTNER_COLUMNS = `id, user_id, capacity, current_load, rating, available, home_lat, home_lng,
  radius_km, service_areas, working_hours`;

interface RawPartner {
  id: string;
  user_id: string;
  capacity: number;
  current_load: number;
  rating: string | number;
  available: number;
  home_lat: number;
  home_lng: number;
  radius_km: number;
  service_areas: unknown;
  working_hours: unknown;
}

const toPartner = (r: RawPartner): PartnerRow => ({
  id: r.id,
  userId: r.user_id,
  capacity: Number(r.capacity),
  load: Number(r.current_load),
  rating: Number(r.rating),
  available: Number(r.available) === 1,
  home: { latitude: Number(r.home_lat), longitude: Number(r.home_lng) },
  radiusKm: Number(r.radius_km),
  serviceAreas: json<string[]>(r.service_areas),
  workingHours: json<WorkingHours>(r.working_hours),
});

/** Where a partner is and what it serves: what the candidate index holds. */
export interface PartnerGeometry {
  readonly id: string;
  readonly home: Position;
  readonly radiusKm: number;
  readonly serviceAreas: readonly string[];
}

/**
 * The SQL of assignments and the shipment lifecycle. Every method runs on the caller's
 * EntityManager, inside its transaction. Writes that could race are single conditional UPDATEs
 * whose WHERE clause is the rule (capacity left, the expected status), so the database decides
 * under the row lock and the affected-row count says who won; nothing reads a value and writes it
 * back.
 */
export class DeliveryRepository {
  /** Every partner, as the engine ranks them (a plain read: the hold decides for real). */
  async partners(em: EntityManager): Promise<PartnerRow[]> {
    return (await sqlRows<RawPartner>(em, `SELECT ${PARTNER_COLUMNS} FROM delivery_partners`)).map(
      toPartner,
    );
  }

  /** The given partners' rows, without a lock. */
  async partnersByIds(em: EntityManager, ids: readonly string[]): Promise<PartnerRow[]> {
    if (ids.length === 0) return [];
    return (
      await sqlRows<RawPartner>(
        em,
        `SELECT ${PARTNER_COLUMNS} FROM delivery_partners WHERE id IN (${ids.map(() => '?').join(', ')})`,
        [...ids],
      )
    ).map(toPartner);
  }

  /** Every partner's home, radius and service areas (for the candidate index). */
  async partnerGeometries(em: EntityManager): Promise<PartnerGeometry[]> {
    const rows = await sqlRows<
      Pick<RawPartner, 'id' | 'home_lat' | 'home_lng' | 'radius_km' | 'service_areas'>
    >(em, 'SELECT id, home_lat, home_lng, radius_km, service_areas FROM delivery_partners');
    return rows.map((r) => ({
      id: r.id,
      home: { latitude: Number(r.home_lat), longitude: Number(r.home_lng) },
      radiusKm: Number(r.radius_km),
      serviceAreas: json<string[]>(r.service_areas),
    }));
  }

  /**
   * Changes when a partner is added or its home, radius or areas change (`geometry_at`, migration
   * 004, indexed: a lookup), not when its load or availability does. A removed partner does not
   * change it: an index that still lists one finds no row for it, which is harmless.
   */
  async partnerGeometryVersion(em: EntityManager): Promise<string> {
    const [row] = await sqlRows<{ m: Date | string | null }>(
      em,
      'SELECT MAX(geometry_at) AS m FROM delivery_partners',
    );
    return row?.m instanceof Date ? row.m.toISOString() : String(row?.m ?? '');
  }

  /**
   * Locks the given partners' rows in id order and returns their latest values. Concurrent
   * assignments rank from reads taken at different moments and so may try partners in different
   * orders; taking the candidates' locks first, always in id order, means two assignments never
   * wait on each other in a cycle (no deadlock), and the ranking that follows sees current loads.
   */
  async lockPartners(em: EntityManager, ids: readonly string[]): Promise<PartnerRow[]> {
    if (ids.length === 0) return [];
    const sorted = [...ids].sort();
    const rows = await sqlRows<RawPartner>(
      em,
      `SELECT ${PARTNER_COLUMNS} FROM delivery_partners WHERE id IN (${sorted.map(() => '?').join(', ')})
       ORDER BY id FOR UPDATE`,
      sorted,
    );
    return rows.map(toPartner);
  }

  /**
   * Takes `units` of the partner's capacity if it has that much left and is still available,
   * atomically: the check and the increment are one statement evaluated on the row's latest
   * version under its exclusive lock, so two concurrent assignments of the last room cannot both
   * pass (the second re-evaluates the WHERE after the first commits). True when taken.
   */
  async hold(em: EntityManager, partnerId: string, units: number): Promise<boolean> {
    const res = await sqlRun(
      em,
      `UPDATE delivery_partners SET current_load = current_load + ?
       WHERE id = ? AND available = 1 AND current_load + ? <= capacity`,
      [units, partnerId, units],
    );
    return res.affectedRows === 1;
  }

  /** Gives capacity back. Throws if the partner holds less (load and shipments disagree). */
  async release(em: EntityManager, partnerId: string, units: number): Promise<void> {
    const res = await sqlRun(
      em,
      'UPDATE delivery_partners SET current_load = current_load - ? WHERE id = ? AND current_load >= ?',
      [units, partnerId, units],
    );
    if (res.affectedRows !== 1)
      throw new Error(`partner ${partnerId} holds less than ${units} units of load`);
  }

  async partnerUserId(em: EntityManager, partnerId: string): Promise<string | undefined> {
    const [row] = await sqlRows<{ user_id: string }>(
      em,
      'SELECT user_id FROM delivery_partners WHERE id = ?',
      [partnerId],
    );
    return row?.user_id;
  }

  /** The partner's display name (what a customer is told), for the shipment events. */
  async partnerName(em: EntityManager, partnerId: string): Promise<string | undefined> {
    const [row] = await sqlRows<{ name: string }>(
      em,
      'SELECT name FROM delivery_partners WHERE id = ?',
      [partnerId],
    );
    return row?.name;
  }

  async partnerIdOfUser(em: EntityManager, userId: string): Promise<string | undefined> {
    const [row] = await sqlRows<{ id: string }>(
      em,
      'SELECT id FROM delivery_partners WHERE user_id = ?',
      [userId],
    );
    return row?.id;
  }

  /**
   * Creates the order's shipment row, or returns false when the order has one. A duplicate insert
   * waits for an uncommitted row of the same order, so of two concurrent assignments of one order
   * exactly one creates it; the other then reads what it became.
   */
  async createShipment(
    em: EntityManager,
    s: {
      id: string;
      orderId: string;
      customerId: string;
      status: ShipmentStatus;
      trackingCode: string;
      units: number;
      postalCode: string;
      destination: Position | null;
      now: Date;
    },
  ): Promise<boolean> {
    const res = await sqlRun(
      em,
      `INSERT IGNORE INTO shipments (id, order_id, customer_id, status, tracking_code, units,
         postal_code, dest_lat, dest_lng, sequence, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      [
        s.id,
        s.orderId,
        s.customerId,
        s.status,
        s.trackingCode,
        s.units,
        s.postalCode,
        s.destination?.latitude ?? null,
        s.destination?.longitude ?? null,
        s.now,
        s.now,
      ],
    );
    return res.affectedRows === 1;
  }

  /** The latest committed row (not the snapshot), locked until commit. */
  async lockedShipment(em: EntityManager, id: string): Promise<ShipmentRow | undefined> {
    const [row] = await sqlRows<RawShipment>(
      em,
      'SELECT * FROM shipments WHERE id = ? FOR UPDATE',
      [id],
    );
    return row === undefined ? undefined : toShipment(row);
  }

  /**
   * The order's shipment as committed now, under a shared lock (`exclusive` for one this
   * transaction will change). After an `INSERT IGNORE` found the row, the insert holds a shared
   * lock on it; several such transactions asking for an exclusive one would deadlock each other.
   */
  async lockedShipmentOfOrder(
    em: EntityManager,
    orderId: string,
    mode: 'shared' | 'exclusive',
  ): Promise<ShipmentRow | undefined> {
    const [row] = await sqlRows<RawShipment>(
      em,
      `SELECT * FROM shipments WHERE order_id = ? ${mode === 'shared' ? 'LOCK IN SHARE MODE' : 'FOR UPDATE'}`,
      [orderId],
    );
    return row === undefined ? undefined : toShipment(row);
  }

  /** A plain read of a shipment (authorization before the locked write). */
  async shipment(em: EntityManager, id: string): Promise<ShipmentRow | undefined> {
    const [row] = await sqlRows<RawShipment>(em, 'SELECT * FROM shipments WHERE id = ?', [id]);
    return row === undefined ? undefined : toShipment(row);
  }

  /**
   * Moves a shipment `from` → `to` (and, when given, only while it is assigned to `partnerId`),
   * bumping its sequence; true when this call made the move. The conditional UPDATE is the claim:
   * of two concurrent moves of one shipment one matches, the other waits for its lock, then finds
   * the status changed and moves nothing.
   */
  async transition(
    em: EntityManager,
    id: string,
    move: {
      from: ShipmentStatus;
      to: ShipmentStatus;
      partnerId?: string | null;
      now: Date;
      /** Drop the partner (decline, time-out). */
      unassign?: boolean;
      reason?: string | null;
      position?: Position | null;
      retryAt?: Date | null;
    },
  ): Promise<boolean> {
    const sets = ['status = ?', 'sequence = sequence + 1', 'updated_at = ?'];
    const params: unknown[] = [move.to, move.now];
    if (move.unassign === true)
      sets.push('partner_id = NULL', 'partner_user_id = NULL', 'accept_by = NULL');
    if (move.to !== 'ASSIGNED') sets.push('accept_by = NULL');
    if (move.reason !== undefined) {
      sets.push('reason = ?');
      params.push(move.reason);
    }
    if (move.position !== undefined && move.position !== null) {
      sets.push('last_lat = ?', 'last_lng = ?');
      params.push(move.position.latitude, move.position.longitude);
    }
    if (move.retryAt !== undefined) {
      sets.push('retry_at = ?');
      params.push(move.retryAt);
    }
    let where = 'id = ? AND status = ?';
    params.push(id, move.from);
    if (move.partnerId !== undefined) {
      where += ' AND partner_id <=> ?';
      params.push(move.partnerId);
    }
    const res = await sqlRun(
      em,
      `UPDATE shipments SET ${[...new Set(sets)].join(', ')} WHERE ${where}`,
      params,
    );
    return res.affectedRows === 1;
  }

  /** PENDING → ASSIGNED to `partner`, whose capacity this transaction holds already. */
  async assign(
    em: EntityManager,
    id: string,
    partner: { id: string; userId: string },
    acceptBy: Date,
    now: Date,
  ): Promise<boolean> {
    const res = await sqlRun(
      em,
      `UPDATE shipments SET status = 'ASSIGNED', partner_id = ?, partner_user_id = ?, accept_by = ?,
         retry_at = NULL, reason = NULL, sequence = sequence + 1, updated_at = ?
       WHERE id = ? AND status = 'PENDING'`,
      [partner.id, partner.userId, acceptBy, now, id],
    );
    return res.affectedRows === 1;
  }

  /** A PENDING shipment nobody could take: the sweep tries it again at `retryAt`. */
  async postponeRetry(em: EntityManager, id: string, retryAt: Date): Promise<void> {
    await sqlRun(em, "UPDATE shipments SET retry_at = ? WHERE id = ? AND status = 'PENDING'", [
      retryAt,
      id,
    ]);
  }

  async addTrackingEvent(
    em: EntityManager,
    e: {
      shipmentId: string;
      sequence: number;
      change: string;
      status: ShipmentStatus;
      partnerId: string | null;
      position: Position | null;
      reason: string | null;
      at: Date;
    },
  ): Promise<void> {
    await sqlRun(
      em,
      `INSERT INTO shipment_tracking_events (shipment_id, sequence, change_kind, status, partner_id,
         lat, lng, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        e.shipmentId,
        e.sequence,
        e.change,
        e.status,
        e.partnerId,
        e.position?.latitude ?? null,
        e.position?.longitude ?? null,
        e.reason,
        e.at,
      ],
    );
  }

  /**
   * Appends one change of a shipment to the partner's feed and returns its feed sequence. The
   * UPDATE takes the partner row's lock (after the shipment's, as every write does) and holds it
   * to commit, so the partner's feed grows without gaps and in commit order: a reader that has
   * seen sequence n never sees a smaller one appear later.
   */
  async appendPartnerFeed(
    em: EntityManager,
    partnerId: string,
    shipmentId: string,
    shipmentSequence: number,
  ): Promise<number> {
    await sqlRun(
      em,
      'UPDATE delivery_partners SET feed_sequence = feed_sequence + 1 WHERE id = ?',
      [partnerId],
    );
    const [row] = await sqlRows<{ feed_sequence: number | string }>(
      em,
      'SELECT feed_sequence FROM delivery_partners WHERE id = ?',
      [partnerId],
    );
    if (row === undefined) throw new Error(`partner ${partnerId} vanished`);
    const sequence = Number(row.feed_sequence);
    await sqlRun(
      em,
      `INSERT INTO partner_feed (partner_id, sequence, shipment_id, shipment_sequence)
       VALUES (?, ?, ?, ?)`,
      [partnerId, sequence, shipmentId, shipmentSequence],
    );
    return sequence;
  }

  /** Remembers a partner that declined (or let the deadline pass): it is not asked again. */
  async addDecline(
    em: EntityManager,
    shipmentId: string,
    partnerId: string,
    reason: 'declined' | 'timed-out',
    at: Date,
  ): Promise<void> {
    await sqlRun(
      em,
      'INSERT IGNORE INTO shipment_declines (shipment_id, partner_id, reason, at) VALUES (?, ?, ?, ?)',
      [shipmentId, partnerId, reason, at],
    );
  }

  async declinedPartners(em: EntityManager, shipmentId: string): Promise<Set<string>> {
    const rows = await sqlRows<{ partner_id: string }>(
      em,
      'SELECT partner_id FROM shipment_declines WHERE shipment_id = ?',
      [shipmentId],
    );
    return new Set(rows.map((r) => r.partner_id));
  }

  /**
   * Shipments the sweep should look at: ASSIGNED past their acceptance deadline, and PENDING ones
   * (no partner after a decline) whose retry time has come. Plain read; each is then moved by a
   * conditional UPDATE, so replicas sweeping at once do not both move one.
   */
  async due(
    em: EntityManager,
    now: Date,
    limit: number,
  ): Promise<{ id: string; status: ShipmentStatus; partnerId: string | null }[]> {
    const rows = await sqlRows<{ id: string; status: ShipmentStatus; partner_id: string | null }>(
      em,
      `(SELECT id, status, partner_id FROM shipments WHERE status = 'ASSIGNED' AND accept_by < ? LIMIT ?)
       UNION ALL
       (SELECT id, status, partner_id FROM shipments WHERE status = 'PENDING' AND retry_at < ? LIMIT ?)`,
      [now, limit, now, limit],
    );
    return rows.map((r) => ({ id: r.id, status: r.status, partnerId: r.partner_id }));
  }
}
