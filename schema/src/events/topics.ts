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
} as const;

/** The command topic of one saga participant. */
export const sagaCommandTopic = (participant: string): string => `sagas.commands.${participant}`;

/** The dead-letter topic of one consumer group. */
export const dlqTopic = (group: string): string => `${group}.dlq`;
