import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Versions and ports of every server in the local stack, in one place.
 *
 * Kafka stays on 3.9.x: kafkajs 2.2 speaks the pre-2.1 request versions that Kafka 4.0 removed
 * (KIP-896), while 3.9 still accepts them and runs KRaft without ZooKeeper.
 * Elasticsearch's major must match the `@elastic/elasticsearch` client's (9.x).
 */
export interface StackConfig {
  readonly repoRoot: string;
  /** Git-ignored folder for data, logs, pid files and generated configs. @default <repo>/.stack */
  readonly stackDir: string;
  readonly dataDir: string;
  readonly logDir: string;
  readonly runDir: string;
  readonly confDir: string;
  /** Downloads and builds shared by every clone. @default ~/.cache/shop-stack, /var/cache/shop-stack for root */
  readonly cacheDir: string;
  readonly mariadb: {
    readonly port: number;
    readonly user: string;
    readonly password: string;
    readonly databases: readonly string[];
  };
  readonly redis: { readonly port: number };
  readonly kafka: {
    readonly version: string;
    readonly port: number;
    readonly controllerPort: number;
    readonly heap: string;
  };
  readonly elasticsearch: {
    readonly version: string;
    readonly port: number;
    readonly transportPort: number;
    readonly heap: string;
    readonly javaHome: string | undefined;
  };
  readonly ferretdb: { readonly version: string; readonly port: number };
  readonly mail: { readonly smtpPort: number; readonly httpPort: number };
}

const HOST = '127.0.0.1';

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`);
  }
  return n;
}

function findRepoRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'turbo.json'))) return dir;
  }
  throw new Error(`no turbo.json above ${from}: is this the shop repository?`);
}

export function loadStackConfig(processEnv: NodeJS.ProcessEnv = process.env): StackConfig {
  // A variable set to the empty string (`SHOP_STACK_DIR=` in an env file) means "the default".
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(processEnv).filter(([, v]) => v !== undefined && v !== ''),
  );
  const repoRoot = findRepoRoot(import.meta.dirname);
  const stackDir = path.resolve(env.SHOP_STACK_DIR ?? path.join(repoRoot, '.stack'));
  const defaultCache =
    process.getuid?.() === 0
      ? '/var/cache/shop-stack'
      : path.join(homedir(), '.cache', 'shop-stack');
  return Object.freeze({
    repoRoot,
    stackDir,
    dataDir: path.join(stackDir, 'data'),
    logDir: path.join(stackDir, 'logs'),
    runDir: path.join(stackDir, 'run'),
    confDir: path.join(stackDir, 'conf'),
    cacheDir: path.resolve(env.SHOP_STACK_CACHE ?? defaultCache),
    mariadb: {
      port: port(env, 'STACK_MARIADB_PORT', 3307),
      user: 'shop',
      password: 'shop',
      databases: [
        'users',
        'catalog',
        'cart',
        'orders',
        'delivery',
        'sagas',
        'sagas_demo',
        'notifications',
      ],
    },
    redis: { port: port(env, 'STACK_REDIS_PORT', 6380) },
    kafka: {
      version: env.STACK_KAFKA_VERSION ?? '3.9.1',
      port: port(env, 'STACK_KAFKA_PORT', 9093),
      controllerPort: port(env, 'STACK_KAFKA_CONTROLLER_PORT', 9094),
      heap: env.STACK_KAFKA_HEAP ?? '512m',
    },
    elasticsearch: {
      version: env.STACK_ES_VERSION ?? '9.2.4',
      port: port(env, 'STACK_ES_PORT', 9201),
      transportPort: port(env, 'STACK_ES_TRANSPORT_PORT', 9301),
      heap: env.STACK_ES_HEAP ?? '1g',
      javaHome: env.STACK_ES_JAVA_HOME,
    },
    ferretdb: {
      version: env.STACK_FERRETDB_VERSION ?? 'v1.24.2',
      port: port(env, 'STACK_FERRETDB_PORT', 27018),
    },
    mail: {
      smtpPort: port(env, 'STACK_SMTP_PORT', 1025),
      httpPort: port(env, 'STACK_MAIL_HTTP_PORT', 1080),
    },
  });
}

/** Client-side connection settings for the stack, as the services' environment variables expect them. */
export interface StackEndpoints {
  readonly MYSQL_URL: string;
  readonly REDIS_URL: string;
  readonly KAFKA_BROKERS: string;
  readonly ELASTICSEARCH_URL: string;
  readonly MONGODB_URL: string;
  readonly SMTP_URL: string;
  readonly MAIL_API_URL: string;
}

export function stackEndpoints(cfg: StackConfig): StackEndpoints {
  const { mariadb: m } = cfg;
  return Object.freeze({
    MYSQL_URL: `mysql://${m.user}:${m.password}@${HOST}:${m.port}`,
    REDIS_URL: `redis://${HOST}:${cfg.redis.port}`,
    KAFKA_BROKERS: `${HOST}:${cfg.kafka.port}`,
    ELASTICSEARCH_URL: `http://${HOST}:${cfg.elasticsearch.port}`,
    MONGODB_URL: `mongodb://${HOST}:${cfg.ferretdb.port}`,
    SMTP_URL: `smtp://${HOST}:${cfg.mail.smtpPort}`,
    MAIL_API_URL: `http://${HOST}:${cfg.mail.httpPort}`,
  });
}

export const STACK_HOST = HOST;
