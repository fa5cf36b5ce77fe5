#!/usr/bin/env node
// shop-dlq: list, inspect and replay one consumer group's dead letters, and list the outbox rows
// Kafka refused.
//   shop-dlq list <group>
//   shop-dlq inspect <group> <partition:offset>
//   shop-dlq replay <group> [partition:offset ...] [--again]
//   shop-dlq outbox <database>
// KAFKA_BROKERS (default 127.0.0.1:9093) selects the cluster; MYSQL_URL (default
// mysql://shop:shop@127.0.0.1:3307) the MariaDB/MySQL server of `outbox`.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createLogger, env as setting, parseConfig } from '@shop/platform';
import { z } from 'zod';
import { DlqAdmin, DlqAlreadyReplayedError, DlqEntryNotFoundError } from '../dlq/dlq-admin.js';
import { KafkaBus } from '../kafka/kafka-bus.js';
import { listOutboxDeadLetters } from '../outbox/outbox-dead-letters.js';
import { openMessagingOrm } from '../tables.js';

const dlqConfigSchema = z.object({ KAFKA_BROKERS: setting.list('127.0.0.1:9093') });
const outboxConfigSchema = z.object({ MYSQL_URL: setting.url('mysql://shop:shop@127.0.0.1:3307') });

const USAGE = `usage: shop-dlq list|inspect|replay <group> [partition:offset ...] [--again]
       shop-dlq outbox <database>
A replayed event lands after the newer events on its key. An entry is replayed once: name it
with --again to replay it once more.`;

export async function runDlqCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<number> {
  const again = argv.includes('--again');
  const [command, group, ...refs] = argv.filter((a) => a !== '--again');
  if (command === 'outbox' && group !== undefined) return listOutbox(group, env, out);
  if (group === undefined || !['list', 'inspect', 'replay'].includes(command ?? '')) {
    out(USAGE);
    return 2;
  }
  const config = parseConfig(dlqConfigSchema, env);
  const bus = new KafkaBus({
    brokers: config.KAFKA_BROKERS,
    clientId: 'shop-dlq',
    logger: createLogger('shop-dlq', 'error'),
  });
  const admin = new DlqAdmin(bus, group);
  try {
    if (command === 'list') {
      const entries = await admin.list();
      for (const e of entries)
        out(
          [
            e.ref,
            e.failedAt,
            e.originalTopic,
            `key=${e.key ?? ''}`,
            `attempts=${e.attempts}`,
            e.replayed
              ? `replayed${e.replayedAt === undefined ? '' : ` ${e.replayedAt}`}`
              : 'pending',
            e.error,
          ].join('\t'),
        );
      out(`${entries.length} entries in ${admin.topic}`);
      return 0;
    }
    if (command === 'inspect') {
      const entry = refs[0] === undefined ? undefined : await admin.inspect(refs[0]);
      if (entry === undefined) {
        out(`no entry ${refs[0] ?? '(missing partition:offset)'} in ${admin.topic}`);
        return 1;
      }
      const { rawKey, rawValue, ...shown } = entry;
      let value: unknown = entry.value;
      try {
        value = JSON.parse(entry.value);
      } catch {
        // not JSON: print as is
      }
      const utf8 = (b: Buffer | null): boolean =>
        b === null || Buffer.from(b.toString('utf8'), 'utf8').equals(b);
      out(
        JSON.stringify(
          {
            ...shown,
            value,
            // Bytes that are not UTF-8 would print mangled: give them exactly, as base64.
            ...(utf8(rawKey) ? {} : { keyBase64: rawKey!.toString('base64') }),
            ...(utf8(rawValue) ? {} : { valueBase64: rawValue!.toString('base64') }),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    let replayed;
    try {
      replayed = await admin.replay(refs, { again });
    } catch (err) {
      if (err instanceof DlqAlreadyReplayedError || err instanceof DlqEntryNotFoundError) {
        out(`${err.message}; nothing replayed`);
        return 1;
      }
      throw err;
    }
    for (const e of replayed) out(`replayed ${e.ref} -> ${e.originalTopic}`);
    out(`${replayed.length} entries replayed (each lands after newer events on its key)`);
    return 0;
  } finally {
    await bus.close();
  }
}

async function listOutbox(
  database: string,
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<number> {
  const url = new URL(parseConfig(outboxConfigSchema, env).MYSQL_URL);
  url.pathname = `/${database}`;
  const orm = await openMessagingOrm(url.toString());
  try {
    const rows = await listOutboxDeadLetters(orm.em.fork());
    for (const r of rows)
      out(
        [
          `outbox:${r.id}`,
          r.deadAt,
          r.topic,
          `key=${r.key}`,
          `bytes=${r.bytes}`,
          `refusals=${r.refusals}`,
          r.reason,
        ].join('\t'),
      );
    out(`${rows.length} outbox rows refused by Kafka in ${database}.outbox_dead_letter`);
    return 0;
  } finally {
    await orm.close(true);
  }
}

// npm runs the bin through a node_modules/.bin symlink; import.meta.url is the resolved file.
const script = process.argv[1];
if (script !== undefined && import.meta.url === pathToFileURL(realpathSync(script)).href) {
  runDlqCli(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
