// Provisions an account, e.g. an admin or a partner (they cannot self-register):
//   MYSQL_URL=... npm run create-user -w subgraphs/users -- admin@example.com 'long password 1' admin
import { loadConfig } from '@shop/platform';
import { usersConfigSchema } from './config.js';
import { USER_ROLES, type UserRole } from './domain/role.js';
import { seedUsers } from './seed.js';

const [email, password, ...roles] = process.argv.slice(2);
const bad = roles.filter((r) => !(USER_ROLES as readonly string[]).includes(r));
if (email === undefined || password === undefined || bad.length > 0) {
  process.stderr.write(
    `usage: create-user <email> <password> [${USER_ROLES.join('|')}...]${bad.length > 0 ? ` (unknown role: ${bad.join(', ')})` : ''}\n`,
  );
  process.exit(64);
}
const config = loadConfig(usersConfigSchema, process.env);
const [id] = await seedUsers(
  config.MYSQL_URL,
  [{ email, password, roles: roles.length > 0 ? (roles as UserRole[]) : ['customer'] }],
  { passwordHashCost: config.PASSWORD_HASH_COST },
);
process.stdout.write(`${JSON.stringify({ id, email, roles })}\n`);
