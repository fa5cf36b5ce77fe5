import { TOPICS } from '@shop/schema';
import type { SagaDefinition } from '../engine/saga-definition.js';
import { cancelOrderSaga } from './cancel-order.saga.js';
import { placeOrderSaga } from './place-order.saga.js';
import { registrationBonusSaga } from './registration-bonus.saga.js';
import { replenishStockSaga } from './replenish-stock.saga.js';

/** Where the production sagas read their trigger events (a test run namespaces them), and timing. */
export interface ProductionSagaSettings {
  /** @default 'orders.events' */
  readonly ordersEventsTopic?: string;
  /** @default 'users.events' */
  readonly usersEventsTopic?: string;
  /** Per-attempt timeout of the registration bonus steps. @default 10000 */
  readonly bonusStepTimeoutMs?: number;
  /** @default 'catalog.events' */
  readonly catalogEventsTopic?: string;
  /** How long the replenishment saga waits for goods per attempt. @default 1 day */
  readonly replenishReceiveTimeoutMs?: number;
}

/**
 * The sagas the orchestrator process runs, one file per saga beside this one (STYLE 11). The demo
 * saga lives in test support (test/demo/).
 */
export const productionSagas = (
  settings: ProductionSagaSettings = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): SagaDefinition<any>[] => [
  placeOrderSaga(settings),
  cancelOrderSaga(settings),
  registrationBonusSaga({
    usersEventsTopic: settings.usersEventsTopic ?? TOPICS.usersEvents,
    timeoutMs: settings.bonusStepTimeoutMs ?? 10_000,
  }),
  replenishStockSaga({
    catalogEventsTopic: settings.catalogEventsTopic ?? TOPICS.catalogEvents,
    ...(settings.replenishReceiveTimeoutMs === undefined
      ? {}
      : { receiveTimeoutMs: settings.replenishReceiveTimeoutMs }),
  }),
];

/** The production sagas on the default topics. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const PRODUCTION_SAGAS: readonly SagaDefinition<any>[] = productionSagas();
