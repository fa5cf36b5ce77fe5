import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { MikroORM } from '@mikro-orm/mysql';
import { ensureMessagingTables, KafkaBus } from '@shop/messaging';
import { createLogger, type Logger } from '@shop/platform';
import type { TestStack } from '@shop/testing';
import { DEMO_PARTICIPANT_DDL, SAGA_TABLES_DDL } from '../src/index.js';

export const testLogger = (name: string): Logger =>
  createLogger(name, process.env.TEST_LOG_LEVEL ?? 'silent');

export async function openOrm(url: string, extraDdl: readonly string[] = []): Promise<MikroORM> {
  const orm = await MikroORM.init({
    clientUrl: url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    pool: { min: 0, max: 10 },
  });
  const em = orm.em.fork();
  await ensureMessagingTables(em);
  for (const sql of extraDdl) await em.getConnection().execute(sql);
  return orm;
}

export const newBus = (brokers: string, name: string): KafkaBus =>
  new KafkaBus({ brokers: brokers.split(','), clientId: name, logger: testLogger(name) });

/** Databases and topic names of one saga test run. */
export interface SagaTestWorld {
  readonly sagasUrl: string;
  readonly participantsUrl: string;
  readonly replyTopic: string;
  readonly commandTopic: (participant: string) => string;
  readonly groupPrefix: string;
}

export async function createWorld(stack: TestStack): Promise<SagaTestWorld> {
  const sagas = await stack.createDatabase('sagas');
  const participants = await stack.createDatabase('participants');
  const setup = await openOrm(sagas.url, SAGA_TABLES_DDL);
  await setup.close(true);
  const p = await openOrm(participants.url, [
    ...DEMO_PARTICIPANT_DDL,
    "INSERT INTO demo_stock (sku, available) VALUES ('sku-1', 1000000), ('sku-empty', 0)",
  ]);
  await p.close(true);
  return {
    sagasUrl: sagas.url,
    participantsUrl: participants.url,
    replyTopic: stack.ns.topic('sagas.replies'),
    commandTopic: (participant) => stack.ns.topic(`sagas.commands.${participant}`),
    groupPrefix: `${stack.ns.runId}.`,
  };
}

export const worldTopics = (w: SagaTestWorld): string[] => [
  w.replyTopic,
  ...['demo-inventory', 'demo-payment', 'demo-shipping'].map(w.commandTopic),
];

/** A child Node process whose stdout lines can be awaited. */
export class Child {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => this.lines.push(line));
    proc.stderr?.on('data', (d: Buffer) => {
      if (process.env.TEST_CHILD_STDERR === '1') process.stderr.write(d);
    });
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }
}

const children = new Set<Child>();

export function spawnNode(script: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = new Child(proc);
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.kill()));
}

process.on('exit', () => {
  for (const c of children) c.proc.kill('SIGKILL');
});
