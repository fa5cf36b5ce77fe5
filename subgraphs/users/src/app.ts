import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MikroORM, Options } from '@mikro-orm/mysql';
import { KafkaBus, Outbox, OutboxRelay, SagaParticipant } from '@shop/messaging';
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
import type { RegistrationPromotion } from './domain/registration-bonus.js';
import { AuthResolver } from './graphql/auth.resolver.js';
import type { UsersContext } from './graphql/context.js';
import { CouponResolver } from './graphql/coupon.resolver.js';
import { CreditResolver } from './graphql/credit.resolver.js';
import { UserResolver } from './graphql/user.resolver.js';
import { usersCommandHandlers, USERS_PARTICIPANT } from './messaging/users-commands.handler.js';
import { CouponRepository } from './persistence/coupon.repository.js';
import { CreditLedgerRepository } from './persistence/credit-ledger.repository.js';
import { createUsersOrm } from './persistence/orm.js';
import { buildUsersSchema } from './schema.js';
import { AccessTokensService } from './service/access-tokens.service.js';
import { AuthService } from './service/auth.service.js';
import { randomCouponCodes, type CouponCodes } from './service/coupon-codes.js';
import { CouponService } from './service/coupon.service.js';
import { CreditService } from './service/credit.service.js';
import { KeyEncryption } from './service/key-encryption.js';
import { PasswordHasher } from './service/password-hasher.js';
import { RegistrationBonusService } from './service/registration-bonus.service.js';
import { RegistrationEventWriter } from './service/registration-events.js';
import { SigningKeysService } from './service/signing-keys.service.js';

export const JWKS_PATH = '/.well-known/jwks.json';

export interface UsersApp {
  readonly http: RunningSubgraph;
  readonly orm: MikroORM;
  readonly auth: AuthService;
  readonly keys: SigningKeysService;
  readonly credit: CreditService;
  readonly coupons: CouponService;
  readonly bus: KafkaBus;
  readonly relay: OutboxRelay;
  close(): Promise<void>;
}

/** Collaborators tests replace (a coupon generator that fails). */
export interface UsersAppOverrides {
  /** @default randomCouponCodes (80 bits from the OS CSPRNG) */
  readonly couponCodes?: CouponCodes;
}

/** The registration promotion of the BONUS_* settings. */
export const promotionOf = (config: UsersConfig): RegistrationPromotion => ({
  enabled: config.BONUS_ENABLED,
  currency: config.CREDIT_CURRENCY,
  creditCents: config.BONUS_CREDIT_CENTS,
  couponCount: config.BONUS_COUPON_COUNT,
  couponDiscount:
    config.BONUS_COUPON_AMOUNT_OFF_CENTS > 0
      ? {
          kind: 'AMOUNT',
          amountOffCents: config.BONUS_COUPON_AMOUNT_OFF_CENTS,
          currency: config.CREDIT_CURRENCY,
        }
      : { kind: 'PERCENT', percentOff: config.BONUS_COUPON_PERCENT_OFF },
  couponMinOrderCents: config.BONUS_COUPON_MIN_ORDER_CENTS,
  couponValidDays: config.BONUS_COUPON_VALID_DAYS,
});

/** Composition root of the users subgraph (used by main.ts and by the integration tests). */
export async function startUsersApp(
  config: UsersConfig,
  logger: Logger,
  ormOptions: Partial<Options> = {},
  overrides: UsersAppOverrides = {},
): Promise<UsersApp> {
  const orm = await createUsersOrm(databaseUrl(config), {
    extra: ormOptions,
    answerTimeoutMs: config.MYSQL_ANSWER_TIMEOUT_MS,
  });
  const bus = new KafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'users', logger });
  let relay: OutboxRelay | undefined;
  let participant: SagaParticipant | undefined;
  return closeOnFailure(
    async () => {
      await participant?.close();
      await relay?.stop();
      await bus.close();
      await orm.close(true);
    },
    async () => {
      await bus.ensureTopics([config.USERS_COMMAND_TOPIC, config.USERS_EVENTS_TOPIC]);
      const outbox = new Outbox('users');
      const started = new OutboxRelay({
        orm,
        publisher: bus.createPublisher(),
        logger: logger.child({ component: 'users-outbox-relay' }),
      });
      relay = started;
      const wake = (): void => started.notify();
      const ledger = new CreditLedgerRepository();
      const credit = new CreditService(orm.em, ledger, config.CREDIT_CURRENCY);
      const coupons = new CouponService(
        orm.em,
        new CouponRepository(),
        overrides.couponCodes ?? randomCouponCodes,
        config.CREDIT_CURRENCY,
      );
      const bonus = new RegistrationBonusService(
        outbox,
        config.USERS_EVENTS_TOPIC,
        credit,
        ledger,
        coupons,
      );
      participant = new SagaParticipant({
        bus,
        orm,
        logger: logger.child({ component: 'users-saga-commands' }),
        participant: USERS_PARTICIPANT,
        topic: config.USERS_COMMAND_TOPIC,
        groupId: config.USERS_COMMAND_GROUP,
        outbox,
        handlers: usersCommandHandlers({ bonus, credit, coupons }),
        afterCommit: wake,
      });
      started.start();
      await participant.start();
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
      const auth = new AuthService(
        orm.em,
        hasher,
        accessTokens,
        {
          refreshTokens: {
            ttlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
            maxFamilyAgeSeconds: config.REFRESH_TOKEN_MAX_LIFETIME_SECONDS,
          },
          passwordHashCost: config.PASSWORD_HASH_COST,
        },
        new RegistrationEventWriter(outbox, config.USERS_EVENTS_TOPIC, promotionOf(config), wake),
      );
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
          resolverContainer(
            new AuthResolver(auth, keys),
            new UserResolver(),
            new CreditResolver(credit),
            new CouponResolver(coupons),
          ),
        ),
        logger,
        checks: {
          mariadb: mariadbReady(orm),
          kafka: async () => void (await bus.topicOffsets(config.USERS_COMMAND_TOPIC)),
        },
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
        credit,
        coupons,
        bus,
        relay: started,
        async close() {
          clearInterval(rotation);
          await http.close();
          await participant?.close();
          await started.stop();
          await bus.close();
          await hasher.close();
          await orm.close(true);
        },
      };
    },
  );
}
