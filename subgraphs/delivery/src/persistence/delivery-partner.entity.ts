import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A delivery partner's profile, tied to a users account with the `partner` role. */
export const DeliveryPartnerEntity = defineEntity({
  name: 'DeliveryPartnerEntity',
  tableName: 'delivery_partners',
  properties: {
    id: p.string().length(36).primary(),
    userId: p.string().length(36).unique(),
    name: p.string().length(200),
    createdAt: p.datetime(3),
  },
});
export type DeliveryPartnerRecord = InferEntity<typeof DeliveryPartnerEntity>;
