import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { STACK_HOST, type StackConfig } from '../config.ts';
import { startDaemon } from '../daemon.ts';
import { requireTool, run } from '../run.ts';
import { logFileOf, pidFileOf, waitFor, withTimeout, type StackServer } from '../server.ts';
import { fetchClasspath } from './maven.ts';

const JAVA_HINT = 'install a JDK 17+ (Debian: apt-get install openjdk-17-jre-headless)';
const home = (cfg: StackConfig): string => path.join(cfg.cacheDir, `kafka-${cfg.kafka.version}`);
const libs = (cfg: StackConfig): string => path.join(home(cfg), 'libs');

/** The files of one single-node KRaft broker (see `kafkaNode`). */
export interface KafkaNode {
  readonly props: string;
  readonly log4j: string;
  readonly logDirs: string;
  readonly classpath: string;
}

/**
 * Writes the configuration of a single-node KRaft Kafka (broker and controller on loopback) into
 * `confDir`, with its data in `dataDir`, and formats the storage on first use. The stack's broker
 * and tests that need a broker of their own (to stop and start it) both run this.
 */
export async function kafkaNode(
  cfg: StackConfig,
  opts: {
    confDir: string;
    dataDir: string;
    port: number;
    controllerPort: number;
    /** @default a random id (base64url of 16 bytes, as Kafka makes them) */
    clusterId?: string;
  },
): Promise<KafkaNode> {
  const java = requireTool('java', 'to run Kafka', JAVA_HINT);
  mkdirSync(opts.confDir, { recursive: true });
  const { port, controllerPort, dataDir: logDirs } = opts;
  const props = path.join(opts.confDir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@${STACK_HOST}:${controllerPort}`,
      `listeners=PLAINTEXT://${STACK_HOST}:${port},CONTROLLER://${STACK_HOST}:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://${STACK_HOST}:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${logDirs}`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=10',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      'delete.topic.enable=true',
      'log.retention.hours=24',
      '',
    ].join('\n'),
  );
  const log4j = path.join(opts.confDir, 'log4j.properties');
  writeFileSync(
    log4j,
    [
      'log4j.rootLogger=WARN, stdout',
      'log4j.logger.kafka.server.KafkaRaftServer=INFO',
      'log4j.logger.kafka.server.BrokerServer=INFO',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );
  const classpath = `${libs(cfg)}/*`;
  if (!existsSync(path.join(logDirs, 'meta.properties'))) {
    const clusterId = opts.clusterId ?? randomBytes(16).toString('base64url');
    await run(
      java,
      [
        '-cp',
        classpath,
        `-Dlog4j.configuration=file:${log4j}`,
        'kafka.tools.StorageTool',
        'format',
        // `=`: a random id may start with '-', which would otherwise read as an option.
        `--cluster-id=${clusterId}`,
        '-c',
        props,
      ],
      { what: 'kafka storage format' },
    );
  }
  return { props, log4j, logDirs, classpath };
}

/** The java command line (after `java`) that runs a broker configured by `kafkaNode`. */
export function kafkaJavaArgs(node: KafkaNode, heap: string, logsDir?: string): string[] {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${node.log4j}`,
    ...(logsDir === undefined ? [] : [`-Dkafka.logs.dir=${logsDir}`]),
    '-cp',
    node.classpath,
    'kafka.Kafka',
    node.props,
  ];
}

export const kafka: StackServer = {
  name: 'kafka',
  startTimeoutMs: 120_000,
  url: (cfg) => `kafka://${STACK_HOST}:${cfg.kafka.port}`,

  async install(cfg) {
    requireTool('java', 'to run Kafka', JAVA_HINT);
    const marker = path.join(home(cfg), '.complete');
    if (existsSync(marker)) return;
    await fetchClasspath(libs(cfg), [
      `org.apache.kafka:kafka_2.13:${cfg.kafka.version}`,
      'org.slf4j:slf4j-reload4j:1.7.36',
    ]);
    writeFileSync(marker, new Date().toISOString());
  },

  async start(cfg) {
    const java = requireTool('java', 'to run Kafka', JAVA_HINT);
    const node = await kafkaNode(cfg, {
      confDir: path.join(cfg.confDir, 'kafka'),
      dataDir: path.join(cfg.dataDir, 'kafka'),
      port: cfg.kafka.port,
      controllerPort: cfg.kafka.controllerPort,
    });
    startDaemon({
      command: java,
      args: kafkaJavaArgs(node, cfg.kafka.heap, path.join(cfg.logDir, 'kafka')),
      logFile: logFileOf(cfg, 'kafka'),
      pidFile: pidFileOf(cfg, 'kafka'),
    });
  },

  async waitReady(cfg, deadline) {
    await waitFor(cfg, 'kafka', deadline, () => this.probe(cfg));
  },

  async probe(cfg) {
    const admin = new Kafka({
      clientId: 'stack-probe',
      brokers: [`${STACK_HOST}:${cfg.kafka.port}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2000,
      requestTimeout: 3000,
      retry: { retries: 0 },
    }).admin();
    try {
      await withTimeout(
        8000,
        'kafka',
        (async () => {
          await admin.connect();
          const cluster = await admin.describeCluster();
          if (cluster.brokers.length === 0) throw new Error('no broker registered');
          await admin.listTopics();
        })(),
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};
