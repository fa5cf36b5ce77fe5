#!/usr/bin/env node
// shop-sagas: the operators' view of saga state.
//   shop-sagas list [STATUS]        e.g. shop-sagas list NEEDS_ATTENTION
//   shop-sagas show <saga id>       state, data and history
//   shop-sagas stats                counts by status
// SAGAS_MYSQL_URL selects the orchestrator database.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { MikroORM } from '@mikro-orm/mysql';
import { parseConfig } from '@shop/platform';
import { sagasConfigSchema } from '../config.js';
import { SAGA_STATUSES, type SagaStatus } from '../engine/saga-state.js';
import { sagaStore } from '../engine/saga-store.js';

const cliConfigSchema = sagasConfigSchema.pick({ SAGAS_MYSQL_URL: true });

const USAGE = 'usage: shop-sagas list [STATUS] | show <saga id> | stats';

export async function runSagasCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<number> {
  const [command, arg] = argv;
  if (!['list', 'show', 'stats'].includes(command ?? '')) {
    out(USAGE);
    return 2;
  }
  if (command === 'list' && arg !== undefined && !SAGA_STATUSES.includes(arg as SagaStatus)) {
    out(`unknown status ${arg}; one of ${SAGA_STATUSES.join(', ')}`);
    return 2;
  }
  const config = parseConfig(cliConfigSchema, env);
  const orm = await MikroORM.init({
    clientUrl: config.SAGAS_MYSQL_URL,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
  });
  try {
    const em = orm.em.fork();
    if (command === 'stats') {
      out(JSON.stringify(await sagaStore.countByStatus(em)));
      return 0;
    }
    if (command === 'show') {
      const saga = arg === undefined ? undefined : await sagaStore.get(em, arg);
      if (saga === undefined) {
        out(`no saga ${arg ?? '(missing id)'}`);
        return 1;
      }
      out(JSON.stringify(saga, null, 2));
      return 0;
    }
    const sagas = await sagaStore.list(em, arg === undefined ? {} : { status: arg as SagaStatus });
    for (const s of sagas)
      out(
        [
          s.id,
          s.type,
          s.status,
          `step=${s.currentStep}`,
          s.updatedAt.toISOString(),
          s.failureReason ?? '',
        ].join('\t'),
      );
    out(`${sagas.length} sagas`);
    return 0;
  } finally {
    await orm.close(true);
  }
}

// npm runs the bin through a node_modules/.bin symlink; import.meta.url is the resolved file.
const script = process.argv[1];
if (script !== undefined && import.meta.url === pathToFileURL(realpathSync(script)).href) {
  runSagasCli(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
