#!/usr/bin/env node
// shop-dlq: list, inspect and replay one consumer group's dead letters.
//   shop-dlq list <group>
//   shop-dlq inspect <group> <partition:offset>
//   shop-dlq replay <group> [partition:offset ...]
// KAFKA_BROKERS (default 127.0.0.1:9093) selects the cluster.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createLogger, env as setting, parseConfig } from '@shop/platform';
import { z } from 'zod';
import { DlqAdmin } from '../dlq/dlq-admin.js';
import { KafkaBus } from '../kafka/kafka-bus.js';

const dlqConfigSchema = z.object({ KAFKA_BROKERS: setting.list('127.0.0.1:9093') });

const USAGE = 'usage: shop-dlq list|inspect|replay <group> [partition:offset ...]';

export async function runDlqCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<number> {
  const [command, group, ...refs] = argv;
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
            e.replayed ? 'replayed' : 'pending',
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
      let value: unknown = entry.value;
      try {
        value = JSON.parse(entry.value);
      } catch {
        // not JSON: print as is
      }
      out(JSON.stringify({ ...entry, value }, null, 2));
      return 0;
    }
    const replayed = await admin.replay(refs);
    for (const e of replayed) out(`replayed ${e.ref} -> ${e.originalTopic}`);
    out(`${replayed.length} entries replayed`);
    return 0;
  } finally {
    await bus.close();
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
