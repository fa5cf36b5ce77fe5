export {
  decide,
  parkedEvent,
  outstanding,
  parkSaga,
  sagaIdProblem,
  startTransition,
  type SagaCommandOut,
  type SagaDecision,
  type SagaInput,
  type Transition,
} from './engine/saga-decision.js';
export {
  DEFAULT_STEP_RETRY,
  defineSaga,
  isPivot,
  retriedBy,
  triggeredBy,
  type SagaDefinition,
  type SagaRetryTrigger,
  type SagaTrigger,
  type SagaView,
  type SagaStep,
  type StepCommand,
  type StepRetryPolicy,
} from './engine/saga-definition.js';
export { registerSagaMetrics } from './engine/saga-metrics.js';
export {
  SagaOrchestrator,
  type SagaCommandSent,
  type SagaFinished,
  type SagaOrchestratorOptions,
} from './engine/saga-orchestrator.js';
export {
  isTerminal,
  SAGA_STATUSES,
  TERMINAL_STATUSES,
  type SagaHistoryEntry,
  type SagaState,
  type SagaStatus,
} from './engine/saga-state.js';
export { SAGA_TABLES_DDL, sagaStore } from './engine/saga-store.js';
export { runSagasCli } from './cli/sagas-cli.js';
export { sagasConfigSchema, type SagasConfig } from './config.js';
export { runOrchestratorProcess, type OrchestratorProcessOptions } from './orchestrator-process.js';
export {
  REGISTRATION_BONUS_SAGA,
  registrationBonusSaga,
  registrationBonusSagaId,
  type RegistrationBonusData,
} from './sagas/registration-bonus.saga.js';
export {
  PRODUCTION_SAGAS,
  productionSagas,
  type ProductionSagaSettings,
} from './sagas/production-sagas.js';
export {
  customerFailureReason,
  PLACE_ORDER_SAGA,
  placeOrderSaga,
  placeOrderSagaId,
  undoneFromHistory,
  type PlaceOrderData,
  type PlaceOrderSagaOptions,
} from './sagas/place-order.saga.js';
export {
  CANCEL_ORDER_SAGA,
  cancelOrderSaga,
  cancelOrderSagaId,
  type CancelOrderData,
  type CancelOrderSagaOptions,
} from './sagas/cancel-order.saga.js';
export {
  MAX_DELIVERIES,
  REPLENISH_STOCK_SAGA,
  replenishStockSaga,
  replenishStockSagaId,
  type ReplenishStockData,
  type ReplenishStockSagaOptions,
} from './sagas/replenish-stock.saga.js';
