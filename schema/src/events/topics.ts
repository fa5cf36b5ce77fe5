/**
 * Topic names, in one place. Events go to the owning service's topic keyed by the aggregate id, so
 * one aggregate's events stay in order; saga commands go to one topic per participant and replies
 * to the orchestrator's topic, all keyed by the saga id.
 */
export const TOPICS = {
  ordersEvents: 'orders.events',
  catalogEvents: 'catalog.events',
  deliveryEvents: 'delivery.events',
  usersEvents: 'users.events',
  sagaReplies: 'sagas.replies',
  /** Saga lifecycle events for owning services (e.g. a parked saga). */
  sagaEvents: 'sagas.events',
} as const;

/** Saga command topics are `<prefix><participant>`; this is the prefix outside tests. */
export const SAGA_COMMAND_TOPIC_PREFIX = 'sagas.commands.';

/**
 * The command topic of one saga participant: the one place that spells a command topic name, for
 * the orchestrator, the participants and their topic set-up alike.
 */
export const sagaCommandTopic = (
  participant: string,
  prefix: string = SAGA_COMMAND_TOPIC_PREFIX,
): string => `${prefix}${participant}`;

/** The dead-letter topic of one consumer group. */
export const dlqTopic = (group: string): string => `${group}.dlq`;
