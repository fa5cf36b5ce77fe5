import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import {
  progressOf,
  REPLENISHMENT_FILTERS,
  REPLENISHMENT_STATUSES,
  type Replenishment,
  type ReplenishmentFilter,
  type ReplenishmentStatus,
} from '../domain/replenishment.js';

export const ReplenishmentStatusEnum = Object.fromEntries(
  REPLENISHMENT_STATUSES.map((s) => [s, s]),
) as { [K in ReplenishmentStatus]: K };
registerEnumType(ReplenishmentStatusEnum, {
  name: 'ReplenishmentStatus',
  description:
    'ORDERING: no purchase order yet; ORDERED: ordered, nothing stocked; PARTIALLY_RECEIVED: some units stocked; RECEIVED: every ordered unit stocked (open until its saga closes it); SHORT_CLOSED: closed with units never delivered.',
});

export const ReplenishmentFilterEnum = Object.fromEntries(
  REPLENISHMENT_FILTERS.map((s) => [s, s]),
) as { [K in ReplenishmentFilter]: K };
registerEnumType(ReplenishmentFilterEnum, {
  name: 'ReplenishmentFilter',
  description: 'OPEN: not closed yet; NEEDS_ATTENTION: its saga is parked; ALL.',
});

@ObjectType('Replenishment', {
  description: 'A purchase of a product’s stock from its supplier (admin view).',
})
export class ReplenishmentType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  productId!: string;

  @Field()
  supplier!: string;

  @Field({
    description:
      'Open until its saga closes it; the product gets no other replenishment meanwhile.',
  })
  open!: boolean;

  @Field({
    description:
      'A call placing its order is under way or got no answer: the supplier may hold it, so retries go to that supplier until it answers definitively (a new supplier named meanwhile is not used).',
  })
  placementUncertain!: boolean;

  @Field(() => ReplenishmentStatusEnum)
  status!: ReplenishmentStatus;

  @Field(() => Int)
  ordered!: number;

  @Field(() => Int, { description: 'Units delivered so far.' })
  received!: number;

  @Field(() => Int, { description: 'Units of those added to the stock on hand.' })
  stocked!: number;

  @Field(() => Int, { description: 'Units still expected: ordered − received, 0 once closed.' })
  outstanding!: number;

  @Field(() => String, { nullable: true, description: 'The supplier’s order reference.' })
  supplierOrderId!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why its saga is parked (NEEDS_ATTENTION); null while it runs or once retried.',
  })
  attention!: string | null;

  @Field(() => String, { nullable: true, description: 'The saga step that parked.' })
  attentionStep!: string | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  static from(r: Replenishment): ReplenishmentType {
    return Object.assign(new ReplenishmentType(), {
      id: r.id,
      productId: r.productId,
      supplier: r.supplier,
      status: r.status,
      open: r.open,
      placementUncertain: r.placementUncertain,
      ...progressOf(r),
      supplierOrderId: r.supplierOrderId,
      attention: r.attention,
      attentionStep: r.attentionStep,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    });
  }
}
