export { runDlqCli } from './cli/dlq-cli.js';
export { DlqAdmin, type DlqEntry } from './dlq/dlq-admin.js';
export { DLQ_HEADERS, DlqPublisher } from './dlq/dlq-publisher.js';
export { contextFromMessage, contextHeaders, readHeaders, type MessageHeaders } from './headers.js';
export {
  IdempotentConsumer,
  type HandlerContext,
  type IdempotentConsumerOptions,
} from './inbox/idempotent-consumer.js';
export { KafkaBus, type KafkaBusOptions } from './kafka/kafka-bus.js';
export {
  KafkaPublisher,
  type OutgoingMessage,
  type PublisherOptions,
} from './kafka/kafka-publisher.js';
export {
  ResilientConsumer,
  type IncomingMessage,
  type MessageControl,
  type MessageHandler,
  type ResilientConsumerOptions,
} from './kafka/resilient-consumer.js';
export { Outbox, type OutboxWrite } from './outbox/outbox.js';
export { OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay.js';
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  PermanentError,
  type RetryPolicy,
} from './retry-policy.js';
export {
  commandHandler,
  SagaParticipant,
  type CommandContext,
  type CommandHandler,
  type SagaParticipantOptions,
  type StepOutcome,
} from './saga/saga-participant.js';
export { sqlRows, sqlRun } from './sql.js';
export { ensureMessagingTables, MESSAGING_TABLES_DDL, openMessagingOrm } from './tables.js';
