import { buildFederatedSchema } from '@shop/subgraph-kit';
import type { GraphQLSchema } from 'graphql';
import type { ContainerType } from 'type-graphql';
import {
  deliveryReferenceResolvers,
  OrderShipmentResolver,
  PartnerResolver,
  ShipmentResolver,
} from './graphql/delivery.resolver.js';
import { ShipmentUpdateResolver } from './graphql/shipment-update.resolver.js';
import { DeliveryPartnerType, OrderRef } from './graphql/types.js';

/** The delivery subgraph schema; without a container it can only be printed, not executed. */
export const buildDeliverySchema = (container?: ContainerType): Promise<GraphQLSchema> =>
  buildFederatedSchema({
    resolvers: [ShipmentResolver, PartnerResolver, OrderShipmentResolver, ShipmentUpdateResolver],
    orphanedTypes: [OrderRef, DeliveryPartnerType],
    referenceResolvers: deliveryReferenceResolvers,
    // The gateway serves the subscriptions (ShipmentUpdateResolver); this is never published to.
    pubSub: {
      publish: () => undefined,
      subscribe: () => {
        throw new Error('delivery serves no subscriptions itself');
      },
    },
    ...(container !== undefined ? { container } : {}),
  });
