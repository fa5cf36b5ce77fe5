export {
  DEMO_BEHAVIOUR,
  DEMO_PARTICIPANT_DDL,
  DEMO_SKU,
  DemoParticipants,
} from './demo/demo-participants.js';
export {
  DEMO_ORDER_SAGA,
  demoOrderData,
  demoOrderSaga,
  type DemoOrderData,
} from './demo/demo-order.saga.js';
export {
  DEFAULT_STEP_RETRY,
  defineSaga,
  type SagaDefinition,
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
