import { GraphQLError } from 'graphql';
import { Arg, Ctx, Directive, ID, Int, Query, Resolver, Subscription } from 'type-graphql';
import type { ShipmentFeedService } from '../service/shipment-feed.service.js';
import type { DeliveryContext } from './context.js';
import { ShipmentUpdateType } from './types.js';

const MAX_PAGE = 200;

const servedByGateway = (): never => {
  throw new GraphQLError('Subscriptions are served by the gateway over graphql-ws', {
    extensions: { code: 'BAD_REQUEST' },
  });
};

/**
 * The shipment subscriptions and the logs they resume from. This subgraph declares the
 * subscription fields (so they compose into the supergraph) but does not serve them: the gateway
 * holds the WebSockets, wakes on `delivery.shipment-changed` events and reads each subscriber's
 * log here (`*Log`, through its query planner, so `order { lines }` resolves from orders).
 */
@Resolver(() => ShipmentUpdateType)
export class ShipmentUpdateResolver {
  constructor(private readonly feed: ShipmentFeedService) {}

  @Directive('@authenticated')
  @Subscription(() => ShipmentUpdateType, {
    subscribe: servedByGateway,
    description:
      'Every change of the order’s shipment (status moves and position reports), for the order’s customer and admins: its whole history first, or with `after` only what came after that cursor, then live.',
  })
  shipmentUpdates(
    @Arg('orderId', () => ID) _orderId: string,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): ShipmentUpdateType {
    return servedByGateway();
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Subscription(() => ShipmentUpdateType, {
    subscribe: servedByGateway,
    description:
      'The signed-in partner’s new, changed and lost (declined, timed-out, cancelled) assignments, from now on; with `after`, first what came after that cursor.',
  })
  myAssignments(
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): ShipmentUpdateType {
    return servedByGateway();
  }

  @Directive('@authenticated')
  @Query(() => [ShipmentUpdateType], {
    description:
      'What `shipmentUpdates` delivers, as a page: the changes after `after` (oldest first, at most `first`).',
  })
  async shipmentUpdateLog(
    @Arg('orderId', () => ID) orderId: string,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Ctx() ctx: DeliveryContext,
  ): Promise<ShipmentUpdateType[]> {
    const page = Math.min(Math.max(first, 1), MAX_PAGE);
    const updates = await this.feed.updatesOfOrder(ctx.identity, orderId, after, page);
    return updates.map((u) => ShipmentUpdateType.from(u));
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Query(() => String, {
    description:
      'The cursor of your latest assignment change: `myAssignments(after: it)` starts live from now.',
  })
  myAssignmentCursor(@Ctx() ctx: DeliveryContext): Promise<string> {
    return this.feed.partnerFeedHead(ctx.identity);
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Query(() => [ShipmentUpdateType], {
    description:
      'What `myAssignments` delivers, as a page: the changes after `after` (oldest first, at most `first`).',
  })
  async myAssignmentLog(
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Ctx() ctx: DeliveryContext,
  ): Promise<ShipmentUpdateType[]> {
    const page = Math.min(Math.max(first, 1), MAX_PAGE);
    const updates = await this.feed.updatesOfPartner(ctx.identity, after, page);
    return updates.map((u) => ShipmentUpdateType.from(u));
  }
}
