// `npm run dev-seed -w subgraphs/delivery` (run by the root `npm start` before the services, in
// development only): when the delivery database has no partner, creates the demo partners and one
// partner login, and prints that login once. The login is an account of the users service, made by
// that service's own provisioning command (`npm run create-user -w subgraphs/users`, password on
// stdin, never in argv), so this never writes the users database itself. Refuses to run outside
// development: demo partners and a printed password have no place in production.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig } from '@shop/platform';
import { databaseUrl } from '@shop/subgraph-kit/mikro-orm';
import { deliveryConfigSchema } from './config.js';
import { seedDemoPartners, type ProvisionPartnerLogin } from './dev-seed.js';
import { createDeliveryOrm } from './persistence/orm.js';

/** The repository root (this file runs from subgraphs/delivery/dist/src). */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** Runs users' `create-user <email> partner` with the password on stdin; its id from the JSON line it prints. */
const provisionWithUsersCommand =
  (env: NodeJS.ProcessEnv): ProvisionPartnerLogin =>
  (email, password) =>
    new Promise((resolve, reject) => {
      // The users service's own database: its default, not delivery's MYSQL_DATABASE.
      const { MYSQL_DATABASE: _delivery, ...usersEnv } = env;
      const child = spawn(
        'npm',
        ['run', '--silent', 'create-user', '-w', 'subgraphs/users', '--', email, 'partner'],
        { cwd: repoRoot, env: usersEnv, stdio: ['pipe', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => {
        const line = out.trim().split('\n').at(-1) ?? '';
        try {
          const { id } = JSON.parse(line) as { id?: unknown };
          if (code === 0 && typeof id === 'string') return resolve(id);
        } catch {
          // reported below
        }
        reject(new Error(`create-user exited with ${code}: ${line}`));
      });
      child.stdin.end(`${password}\n`);
    });

// Before the configuration: production's required settings must not be what stops it.
if (process.env.NODE_ENV !== 'development') {
  process.stderr.write(
    `dev-seed: refused, NODE_ENV is ${process.env.NODE_ENV ?? 'unset (production)'}; demo partners are for development only\n`,
  );
  process.exit(64);
}
const config = loadConfig(deliveryConfigSchema, process.env);
const logger = createLogger('delivery', config.LOG_LEVEL);
const orm = await createDeliveryOrm(databaseUrl(config));
try {
  await seedDemoPartners(orm, logger, {
    provision: provisionWithUsersCommand(process.env),
    show: (text) => process.stdout.write(`${text}\n`),
  });
} finally {
  await orm.close(true);
}
