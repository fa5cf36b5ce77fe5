import { randomBytes } from 'node:crypto';

/**
 * A short id unique to one test run (one process), used to prefix every database, index, topic
 * and key a test creates, so concurrent runs on the same stack never see each other's data.
 * Lowercase alphanumerics and underscores only: valid for MariaDB, Elasticsearch, Kafka and Redis.
 */
export function createRunId(label = 't'): string {
  const safe =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 12) || 't';
  return `${safe}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Names derived from one run id. */
export class TestNamespace {
  constructor(readonly runId: string) {}

  /** A MariaDB database name (max 64 chars). */
  database(name: string): string {
    return `${this.runId}_${name}`.slice(0, 64);
  }

  /** An Elasticsearch index name (lowercase). */
  index(name: string): string {
    return `${this.runId}_${name}`.toLowerCase();
  }

  /** A Kafka topic name. */
  topic(name: string): string {
    return `${this.runId}.${name}`;
  }

  /** A MongoDB database name. */
  mongoDatabase(name: string): string {
    return `${this.runId}_${name}`.slice(0, 63);
  }

  /** A Redis key prefix. */
  get redisPrefix(): string {
    return `${this.runId}:`;
  }

  /** A consumer group id. */
  group(name: string): string {
    return `${this.runId}.${name}`;
  }
}
