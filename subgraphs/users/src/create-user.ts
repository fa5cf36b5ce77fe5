// Provisions an account, e.g. an admin or a partner (they cannot self-register). The password is
// read from stdin (typed at a prompt, without echo, or piped), never from argv where `ps` shows it:
//   npm run create-user -w subgraphs/users -- admin@example.com admin
//   printf '%s' "$PASSWORD" | MYSQL_DATABASE=users npm run create-user -w subgraphs/users -- a@example.com partner
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { loadConfig } from '@shop/platform';
import { databaseUrl } from '@shop/subgraph-kit/mikro-orm';
import { usersConfigSchema } from './config.js';
import { USER_ROLES, type UserRole } from './domain/role.js';
import { seedUsers } from './seed.js';

/** The first line of stdin; at a terminal, prompted for on stderr and not echoed. */
async function readPassword(): Promise<string> {
  const tty = process.stdin.isTTY;
  const lines = createInterface({
    input: process.stdin,
    // At a terminal readline echoes what is typed to `output`: give it nowhere to go.
    output: new Writable({ write: (_chunk, _encoding, done) => done() }),
    terminal: tty,
  });
  // Raw mode turns Ctrl-C into an event: without a listener the prompt would just pause.
  lines.once('SIGINT', () => process.exit(130));
  // Only now: the terminal is in raw mode, so nothing typed after the prompt is echoed.
  if (tty) process.stderr.write('password: ');
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
    if (tty) process.stderr.write('\n');
  }
}

const [email, ...roles] = process.argv.slice(2);
const bad = roles.filter((r) => !(USER_ROLES as readonly string[]).includes(r));
if (email === undefined || bad.length > 0) {
  process.stderr.write(
    `usage: create-user <email> [${USER_ROLES.join('|')}...] (password on stdin)${bad.length > 0 ? ` (unknown role: ${bad.join(', ')})` : ''}\n`,
  );
  process.exit(64);
}
const config = loadConfig(usersConfigSchema, process.env);
const password = await readPassword();
if (password.length === 0) {
  process.stderr.write('create-user: no password on stdin\n');
  process.exit(64);
}
const granted: UserRole[] = roles.length > 0 ? [...new Set(roles as UserRole[])] : ['customer'];
const [id] = await seedUsers(databaseUrl(config), [{ email, password, roles: granted }], {
  passwordHashCost: config.PASSWORD_HASH_COST,
  signingKeyEncryptionKey: config.SIGNING_KEY_ENCRYPTION_KEY,
  usersEventsTopic: config.USERS_EVENTS_TOPIC,
});
process.stdout.write(`${JSON.stringify({ id, email, roles: granted })}\n`);
