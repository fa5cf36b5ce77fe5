import type { MikroORM } from '@mikro-orm/core';
import { IdempotentConsumer, type KafkaBus } from '@shop/messaging';
import { assertNever, type Logger } from '@shop/platform';
import { sagaParkedV1 } from '@shop/schema';
import type { ReplenishmentAdmin } from '../service/replenishment-admin.service.js';

export interface ReplenishmentEventsConsumerOptions {
  readonly bus: KafkaBus;
  /** Catalog's stock database: the inbox row commits with the replenishment's change. */
  readonly orm: MikroORM;
  readonly logger: Logger;
  readonly groupId: string;
  readonly sagaEventsTopic: string;
  readonly admin: ReplenishmentAdmin;
}

/**
 * Events of others that catalog's replenishments follow (idempotent by message id, in the inbox's
 * transaction): `sagas.saga-parked@1` of a `replenish-stock` saga puts its reason and step on the
 * replenishment, which the admins' `replenishments(filter: NEEDS_ATTENTION)` lists. The topic
 * carries other event types and other sagas' events; they are skipped.
 */
export function replenishmentEventsConsumer(o: ReplenishmentEventsConsumerOptions) {
  return new IdempotentConsumer({
    bus: o.bus,
    orm: o.orm,
    logger: o.logger,
    groupId: o.groupId,
    topics: [o.sagaEventsTopic],
    contracts: [sagaParkedV1],
    skipOtherTypes: true,
    handle: async ({ contract, envelope }, { em }) => {
      switch (contract.name) {
        case 'sagas.saga-parked@1': {
          const parked = sagaParkedV1.schema.parse(envelope.data);
          const outcome = await o.admin.flagParked(em, parked);
          const at = { sagaId: parked.sagaId, replenishmentId: parked.subject };
          if (outcome === 'flagged') o.logger.error(at, 'replenishment needs attention');
          else if (outcome === 'unknown or closed replenishment')
            o.logger.warn(at, 'parked replenishment saga names no open replenishment; not flagged');
          return;
        }
        default:
          return assertNever(contract.name);
      }
    },
  });
}
