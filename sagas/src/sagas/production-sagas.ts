import type { SagaDefinition } from '../engine/saga-definition.js';
import { cancelOrderSaga } from './cancel-order.saga.js';
import { placeOrderSaga } from './place-order.saga.js';

/** Where the production sagas read their trigger events (a test run namespaces them). */
export interface ProductionSagaTopics {
  /** @default 'orders.events' */
  readonly ordersEventsTopic?: string;
}

/**
 * The sagas the orchestrator process runs, one file per saga beside this one (STYLE 11). The demo
 * saga lives in test support (test/demo/).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const productionSagas = (topics: ProductionSagaTopics = {}): SagaDefinition<any>[] => [
  placeOrderSaga(topics),
  cancelOrderSaga(topics),
];

/** The production sagas on the default topics. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const PRODUCTION_SAGAS: readonly SagaDefinition<any>[] = productionSagas();
