// Emergency revocation of a leaked signing key, straight against the users database (works when
// the gateway or the admin account is what is compromised):
//   npm run revoke-signing-key -w subgraphs/users -- <kid>
// The key leaves the JWKS at once; a new key takes over if it was active. Prints the active kid.
import { loadConfig, NotFoundError } from '@shop/platform';
import { databaseUrl } from '@shop/subgraph-kit/mikro-orm';
import { usersConfigSchema } from './config.js';
import { createUsersOrm } from './persistence/orm.js';
import { KeyEncryption } from './service/key-encryption.js';
import { SigningKeysService } from './service/signing-keys.service.js';

const [kid] = process.argv.slice(2);
if (kid === undefined || kid.length === 0) {
  process.stderr.write('usage: revoke-signing-key <kid>\n');
  process.exit(64);
}
const config = loadConfig(usersConfigSchema, process.env);
const orm = await createUsersOrm(databaseUrl(config));
try {
  const keys = new SigningKeysService(orm.em, {
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    encryption: new KeyEncryption(
      config.SIGNING_KEY_ENCRYPTION_KEY,
      config.SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS,
    ),
  });
  const active = await keys.revoke(kid);
  process.stdout.write(`${JSON.stringify({ revoked: kid, active })}\n`);
} catch (err) {
  if (err instanceof NotFoundError) {
    process.stderr.write(`revoke-signing-key: ${err.message}\n`);
    process.exitCode = 1;
  } else throw err;
} finally {
  await orm.close(true);
}
