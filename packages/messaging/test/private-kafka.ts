import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kafkaJavaArgs, kafkaNode, loadStackConfig, type KafkaNode } from '@shop/stack';
import { freePort, waitUntil } from '@shop/testing';
import { Kafka, logLevel } from 'kafkajs';

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
    private readonly node: KafkaNode,
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async create(): Promise<PrivateKafka> {
    const [port, controllerPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(path.join(tmpdir(), 'shop-private-kafka-'));
    const node = await kafkaNode(loadStackConfig(), {
      confDir: dir,
      dataDir: path.join(dir, 'data'),
      port,
      controllerPort,
    });
    return new PrivateKafka(port, dir, node);
  }

  /** Starts the broker and waits until it serves metadata. */
  async start(): Promise<void> {
    const proc = spawn('java', kafkaJavaArgs(this.node, '256m'), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
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
