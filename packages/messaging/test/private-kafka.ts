import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadStackConfig } from '@shop/stack';
import { waitUntil } from '@shop/testing';
import { Kafka, logLevel } from 'kafkajs';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      );
    });
  });

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/**
 * A private single-node Kafka (KRaft) for tests that must stop and start a broker: its own ports
 * and data directory, the stack's cached jars. The shared broker is never touched.
 */
export class PrivateKafka {
  private proc: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly props: string,
    private readonly log4j: string,
    private readonly classpath: string,
    private readonly heap: string,
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async create(): Promise<PrivateKafka> {
    const cfg = loadStackConfig();
    const classpath = `${path.join(cfg.cacheDir, `kafka-${cfg.kafka.version}`, 'libs')}/*`;
    const [port, controllerPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(path.join(tmpdir(), 'shop-private-kafka-'));
    const props = path.join(dir, 'server.properties');
    writeFileSync(
      props,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${path.join(dir, 'data')}`,
        'num.partitions=3',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=3',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=true',
        '',
      ].join('\n'),
    );
    const log4j = path.join(dir, 'log4j.properties');
    writeFileSync(
      log4j,
      'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n',
    );
    const format = spawnSync(
      'java',
      [
        '-cp',
        classpath,
        `-Dlog4j.configuration=file:${log4j}`,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        randomBytes(16).toString('base64url'),
        '-c',
        props,
      ],
      { encoding: 'utf8' },
    );
    if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr}`);
    return new PrivateKafka(port, dir, props, log4j, classpath, '256m');
  }

  /** Starts the broker and waits until it serves metadata. */
  async start(): Promise<void> {
    const proc = spawn(
      'java',
      [
        `-Xms${this.heap}`,
        `-Xmx${this.heap}`,
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j.configuration=file:${this.log4j}`,
        '-cp',
        this.classpath,
        'kafka.Kafka',
        this.props,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.proc = proc;
    live.add(proc);
    proc.on('exit', () => live.delete(proc));
    await waitUntil(() => this.probe(), {
      timeoutMs: 90_000,
      intervalMs: 300,
      what: 'private kafka',
    });
  }

  private async probe(): Promise<boolean> {
    const admin = new Kafka({
      clientId: 'private-kafka-probe',
      brokers: [this.brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Stops the broker (SIGTERM, then SIGKILL after 20 s) and waits for the process to exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
