import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MikroORM, Options } from '@mikro-orm/mysql';
import type { Logger } from '@shop/platform';
import {
  BatchLoader,
  closeOnFailure,
  resolverContainer,
  startSubgraphServer,
  subgraphServerSettings,
  type RunningSubgraph,
} from '@shop/subgraph-kit';
import { databaseUrl, mariadbReady } from '@shop/subgraph-kit/mikro-orm';
import type { UsersConfig } from './config.js';
import { AuthResolver } from './graphql/auth.resolver.js';
import type { UsersContext } from './graphql/context.js';
import { UserResolver } from './graphql/user.resolver.js';
import { createUsersOrm } from './persistence/orm.js';
import { buildUsersSchema } from './schema.js';
import { AccessTokensService } from './service/access-tokens.service.js';
import { AuthService } from './service/auth.service.js';
import { KeyEncryption } from './service/key-encryption.js';
import { PasswordHasher } from './service/password-hasher.js';
import { SigningKeysService } from './service/signing-keys.service.js';

export const JWKS_PATH = '/.well-known/jwks.json';

export interface UsersApp {
  readonly http: RunningSubgraph;
  readonly orm: MikroORM;
  readonly auth: AuthService;
  readonly keys: SigningKeysService;
  close(): Promise<void>;
}

/** Composition root of the users subgraph (used by main.ts and by the integration tests). */
export async function startUsersApp(
  config: UsersConfig,
  logger: Logger,
  ormOptions: Partial<Options> = {},
): Promise<UsersApp> {
  const orm = await createUsersOrm(databaseUrl(config), {
    extra: ormOptions,
    answerTimeoutMs: config.MYSQL_ANSWER_TIMEOUT_MS,
  });
  return closeOnFailure(
    () => orm.close(true),
    async () => {
      const keys = new SigningKeysService(orm.em, {
        accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
        encryption: new KeyEncryption(
          config.SIGNING_KEY_ENCRYPTION_KEY,
          config.SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS,
        ),
      });
      const accessTokens = new AccessTokensService(keys, {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      });
      const hasher = new PasswordHasher(config.PASSWORD_HASH_COST);
      const auth = new AuthService(orm.em, hasher, accessTokens, {
        refreshTokens: {
          ttlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
          maxFamilyAgeSeconds: config.REFRESH_TOKEN_MAX_LIFETIME_SECONDS,
        },
        passwordHashCost: config.PASSWORD_HASH_COST,
      });
      const maxKeyAge = config.SIGNING_KEY_MAX_AGE_DAYS * 86_400;
      const sealed = await keys.sealKeys();
      if (sealed > 0) logger.info({ sealed }, 'sealed signing keys with the current KEK');
      await keys.rotateIfOlderThan(maxKeyAge);
      await keys.active();

      const jwks = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
        if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== JWKS_PATH) return false;
        res
          .writeHead(200, {
            'content-type': 'application/json',
            // short: a revoked key must leave caches between here and the gateway quickly
            'cache-control': 'public, max-age=60',
          })
          .end(JSON.stringify(await keys.jwks()));
        return true;
      };
      const http = await startSubgraphServer<UsersContext>({
        ...subgraphServerSettings(config),
        name: 'users',
        schema: await buildUsersSchema(
          resolverContainer(new AuthResolver(auth, keys), new UserResolver()),
        ),
        logger,
        checks: { mariadb: mariadbReady(orm) },
        routes: jwks,
        createContext: (base) => ({
          ...base,
          users: new BatchLoader((ids) => auth.usersByIds(ids)),
        }),
      });

      const rotation = setInterval(() => {
        keys
          .rotateIfOlderThan(maxKeyAge)
          .then((kid) => kid !== undefined && logger.info({ kid }, 'rotated the signing key'))
          .catch((err: unknown) => logger.error({ err }, 'signing key rotation failed'));
        auth
          .pruneRefreshTokens()
          .then((pruned) => pruned > 0 && logger.info({ pruned }, 'pruned expired refresh tokens'))
          .catch((err: unknown) => logger.error({ err }, 'refresh token pruning failed'));
      }, 3_600_000);
      rotation.unref();
      return {
        http,
        orm,
        auth,
        keys,
        async close() {
          clearInterval(rotation);
          await http.close();
          await hasher.close();
          await orm.close(true);
        },
      };
    },
  );
}
