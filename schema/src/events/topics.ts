/**
 * Topic names and partition keys, in one place. Events go to the owning service's topic keyed by
 * the aggregate id, so one aggregate's events stay in order; saga commands go to one topic per
 * participant and replies to the orchestrator's topic, all keyed by the saga id.
 */
export const TOPICS = {
  ordersEvents: 'orders.events',
  catalogEvents: 'catalog.events',
  deliveryEvents: 'delivery.events',
  usersEvents: 'users.events',
  sagaReplies: 'sagas.replies',
} as const;

export type EventTopic = (typeof TOPICS)[keyof typeof TOPICS];

/** Participants that receive saga commands. */
export const SAGA_PARTICIPANTS = [
  'catalog',
  'orders',
  'delivery',
  'users',
  'supplier',
  'demo-inventory',
  'demo-payment',
  'demo-shipping',
] as const;
export type SagaParticipant = (typeof SAGA_PARTICIPANTS)[number];

/** The command topic of one saga participant. */
export const sagaCommandTopic = (participant: string): string => `sagas.commands.${participant}`;

/** The dead-letter topic of one consumer group. */
export const dlqTopic = (group: string): string => `${group}.dlq`;

/** Partition keys: the aggregate id for domain events, the saga id for saga traffic. */
export const PARTITION_KEYS = {
  order: (orderId: string): string => orderId,
  product: (productId: string): string => productId,
  shipment: (orderId: string): string => orderId,
  user: (userId: string): string => userId,
  saga: (sagaId: string): string => sagaId,
} as const;
