import type { TestStack } from '@shop/testing';

/**
 * The Kafka settings of a users process in one test run: this stack's broker and this run's own
 * topics and group, so its events and commands never meet another run's.
 */
export const usersKafkaEnv = (stack: TestStack): Record<string, string> => ({
  KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
  USERS_EVENTS_TOPIC: stack.ns.topic('users.events'),
  USERS_COMMAND_TOPIC: stack.ns.topic('sagas.commands.users'),
  USERS_COMMAND_GROUP: stack.ns.group('users.saga-commands'),
});
