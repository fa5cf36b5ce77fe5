import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { WorkingHours } from '../domain/assignment.js';

/**
 * A delivery partner's profile, tied to a users account with the `partner` role (`userId`).
 * `currentLoad` is only ever changed by conditional UPDATEs in `AssignmentRepository`.
 */
export const DeliveryPartnerEntity = defineEntity({
  name: 'DeliveryPartnerEntity',
  tableName: 'delivery_partners',
  properties: {
    id: p.string().length(36).primary(),
    userId: p.string().length(36).unique(),
    name: p.string().length(200),
    contact: p.string().length(200),
    capacity: p.integer(),
    currentLoad: p.integer(),
    rating: p.decimal('number').precision(3).scale(2),
    available: p.boolean(),
    homePostalCode: p.string().length(10),
    homeLat: p.double(),
    homeLng: p.double(),
    radiusKm: p.double(),
    serviceAreas: p.json<string[]>(),
    workingHours: p.json<WorkingHours>(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type DeliveryPartnerRecord = InferEntity<typeof DeliveryPartnerEntity>;
