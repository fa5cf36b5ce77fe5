import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadStackConfig, stackEndpoints, type StackEndpoints } from '@shop/stack';
import mysql from 'mysql2/promise';
import { Mailbox } from './mailbox.js';
import { createRunId, TestNamespace } from './namespace.js';

/**
 * Connection settings for the local stack, with the same environment overrides the services use
 * (MYSQL_URL, REDIS_URL, ...), so tests can also run against servers started elsewhere.
 */
export function stackEnv(env: NodeJS.ProcessEnv = process.env): StackEndpoints {
  const defaults = stackEndpoints(loadStackConfig(env));
  const pick = (key: keyof StackEndpoints): string => env[key] ?? defaults[key];
  return {
    MYSQL_URL: pick('MYSQL_URL'),
    REDIS_URL: pick('REDIS_URL'),
    KAFKA_BROKERS: pick('KAFKA_BROKERS'),
    ELASTICSEARCH_URL: pick('ELASTICSEARCH_URL'),
    MONGODB_URL: pick('MONGODB_URL'),
    SMTP_URL: pick('SMTP_URL'),
    MAIL_API_URL: pick('MAIL_API_URL'),
  };
}

/** One test run's view of the stack: its namespace, endpoints and cleanup. */
export class TestStack {
  readonly ns: TestNamespace;
  readonly env: StackEndpoints;
  readonly mailbox: Mailbox;
  private readonly databases: string[] = [];

  constructor(label = 't', env: NodeJS.ProcessEnv = process.env) {
    this.ns = new TestNamespace(createRunId(label));
    this.env = stackEnv(env);
    this.mailbox = new Mailbox(this.env.MAIL_API_URL);
  }

  /**
   * The pid of one of the local stack's servers, to pause it (SIGSTOP: it accepts connections
   * and answers nothing) and resume it (SIGCONT) in fault tests.
   */
  serverPid(server: 'mariadb' | 'redis' | 'kafka' | 'elasticsearch' | 'ferretdb' | 'mail'): number {
    const { runDir } = loadStackConfig(process.env);
    const file = path.join(runDir, `${server}.pid`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
  }

  /** Creates a fresh MariaDB database for this run and returns its name and URL; dropped by cleanup(). */
  async createDatabase(name: string): Promise<{
    name: string;
    url: string;
    mysqlEnv: { MYSQL_URL: string; MYSQL_DATABASE: string };
  }> {
    const db = this.ns.database(name);
    const conn = await mysql.createConnection(this.env.MYSQL_URL);
    try {
      await conn.query(`CREATE DATABASE \`${db}\``);
    } finally {
      await conn.end();
    }
    this.databases.push(db);
    const url = new URL(this.env.MYSQL_URL);
    url.pathname = `/${db}`;
    // mysqlEnv: the settings a subgraph reads (server URL + its database), to spread into its env.
    return {
      name: db,
      url: url.toString(),
      mysqlEnv: { MYSQL_URL: this.env.MYSQL_URL, MYSQL_DATABASE: db },
    };
  }

  /**
   * Drops the MariaDB databases this run created. Kafka topics, Elasticsearch indexes, Mongo
   * databases and Redis keys are namespaced by run id; tests delete their own, and whatever a
   * crashed run leaves behind stays until `npm run stack -- reset`.
   */
  async cleanup(): Promise<void> {
    if (this.databases.length === 0) return;
    const conn = await mysql.createConnection(this.env.MYSQL_URL);
    try {
      for (const db of this.databases.splice(0))
        await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
    } finally {
      await conn.end();
    }
  }
}
