export { runDlqCli } from './cli/dlq-cli.js';
export {
  DlqAdmin,
  DlqAlreadyReplayedError,
  DlqEntryNotFoundError,
  type DlqEntry,
  type ReplayOptions,
} from './dlq/dlq-admin.js';
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
  PublisherFencedError,
  type OutgoingMessage,
  type PublisherOptions,
  type SendOptions,
} from './kafka/kafka-publisher.js';
export {
  ResilientConsumer,
  type IncomingMessage,
  type MessageControl,
  type MessageHandler,
  PartitionLostError,
  type ResilientConsumerOptions,
} from './kafka/resilient-consumer.js';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  messageBytes,
  Outbox,
  OutboxMessageTooLargeError,
  type OutboxOptions,
  type OutboxWrite,
} from './outbox/outbox.js';
export { listOutboxDeadLetters, type OutboxDeadLetter } from './outbox/outbox-dead-letters.js';
export { OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay.js';
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isTransientError,
  PermanentError,
  retryDecision,
  type FailureCounts,
  type RetryPolicy,
} from './retry-policy.js';
export {
  commandHandler,
  completeDeferredStep,
  lockStepExecute,
  SagaParticipant,
  StepOutcomeUnknownError,
  type CommandContext,
  type CommandHandler,
  type CommandHandlerOptions,
  type DeferredOutcome,
  type SagaParticipantOptions,
  type StepOutcome,
} from './saga/saga-participant.js';
export { sqlRows, sqlRun } from './sql.js';
export { ensureMessagingTables, MESSAGING_TABLES_DDL, openMessagingOrm } from './tables.js';
