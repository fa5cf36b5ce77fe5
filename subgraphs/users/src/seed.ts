import { Outbox } from '@shop/messaging';
import { TOPICS } from '@shop/schema';
import type { UserRole } from './domain/role.js';
import { createUsersOrm } from './persistence/orm.js';
import { AccessTokensService } from './service/access-tokens.service.js';
import { AuthService } from './service/auth.service.js';
import {
  DEV_SIGNING_KEY_ENCRYPTION_KEY,
  KeyEncryption,
  parseKek,
} from './service/key-encryption.js';
import { PasswordHasher } from './service/password-hasher.js';
import { RegistrationEventWriter } from './service/registration-events.js';
import { SigningKeysService } from './service/signing-keys.service.js';

export interface UserSeed {
  readonly email: string;
  readonly password: string;
  /** @default ['customer'] */
  readonly roles?: readonly UserRole[];
}

/**
 * Provisions accounts straight into the users database (migrating it first), with the same
 * validation and hashing as `register`: the way to create partners and admins, who cannot
 * self-register. Returns the new user ids.
 */
export async function seedUsers(
  mysqlUrl: string,
  users: readonly UserSeed[],
  options: {
    passwordHashCost?: number;
    signingKeyEncryptionKey?: Buffer;
    usersEventsTopic?: string;
  } = {},
): Promise<string[]> {
  const orm = await createUsersOrm(mysqlUrl);
  const hasher = new PasswordHasher(options.passwordHashCost ?? 10, { threads: 1 });
  try {
    const keys = new SigningKeysService(orm.em, {
      accessTokenTtlSeconds: 900,
      encryption: new KeyEncryption(
        options.signingKeyEncryptionKey ?? parseKek(DEV_SIGNING_KEY_ENCRYPTION_KEY),
      ),
    });
    const tokens = new AccessTokensService(keys, {
      issuer: 'seed',
      audience: 'seed',
      ttlSeconds: 60,
    });
    const auth = new AuthService(
      orm.em,
      hasher,
      tokens,
      {
        refreshTokens: { ttlSeconds: 300, maxFamilyAgeSeconds: 300 },
        passwordHashCost: options.passwordHashCost ?? 10,
      },
      // Provisioned accounts get no bonus; their event reaches Kafka through the service's relay.
      new RegistrationEventWriter(
        new Outbox('users'),
        options.usersEventsTopic ?? TOPICS.usersEvents,
        undefined,
      ),
    );
    const ids: string[] = [];
    for (const u of users) ids.push((await auth.createAccount(u, u.roles ?? ['customer'])).id);
    return ids;
  } finally {
    await hasher.close();
    await orm.close(true);
  }
}
