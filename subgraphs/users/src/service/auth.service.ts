import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager as CoreEntityManager } from '@mikro-orm/core';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/mysql';
import {
  BadUserInputError,
  ConflictError,
  NotFoundError,
  UnauthenticatedError,
} from '@shop/platform';
import {
  needsRehash,
  normalizeEmail,
  registrationProblems,
  SELF_SERVICE_ROLES,
} from '../domain/credentials.js';
import {
  judgeRefresh,
  prunableBefore,
  refreshTokenExpiresAt,
  type RefreshTokenPolicy,
} from '../domain/refresh-token.js';
import type { UserRole } from '../domain/role.js';
import { RefreshTokenEntity } from '../persistence/refresh-token.entity.js';
import { UserEntity, type UserRecord } from '../persistence/user.entity.js';
import type { AccessTokensService } from './access-tokens.service.js';
import type { PasswordHasher } from './password-hasher.js';

export interface Session {
  readonly user: UserRecord;
  readonly accessToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: Date;
}

/** Writes the registration's event inside its transaction (the outbox); see RegistrationBonusService. */
export interface RegistrationEvents {
  registered(em: CoreEntityManager, user: UserRecord, selfService: boolean): Promise<void>;
  /** Called after a registration committed (wakes the outbox relay). */
  afterCommit(): void;
}

export interface AuthOptions {
  /** Sliding (`ttlSeconds`, 30 days) and absolute (`maxFamilyAgeSeconds`, 90 days) lifetimes. */
  readonly refreshTokens: RefreshTokenPolicy;
  /** The bcrypt cost new hashes get; a login rehashes a password stored at another cost. */
  readonly passwordHashCost: number;
}

/** One login's chain of refresh tokens. */
interface Family {
  readonly id: string;
  readonly createdAt: Date;
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Register, login, refresh (rotation with reuse detection), logout. */
export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly hasher: PasswordHasher,
    private readonly accessTokens: AccessTokensService,
    private readonly options: AuthOptions,
    private readonly events: RegistrationEvents,
  ) {}

  async register(input: { email: string; password: string }): Promise<Session> {
    return this.startSession(
      await this.createAccount(input, SELF_SERVICE_ROLES, { selfService: true }),
    );
  }

  /** Validates and stores a new account; partners and admins are provisioned through here. */
  async createAccount(
    input: { email: string; password: string },
    roles: readonly UserRole[],
    options: { selfService?: boolean } = {},
  ): Promise<UserRecord> {
    const problems = registrationProblems(input);
    if (problems.length > 0) {
      throw BadUserInputError.fromProblems(problems);
    }
    const passwordHash = await this.hasher.hash(input.password);
    // The account and its `users.user-registered` event commit together (outbox): no event for a
    // registration that lost the email's unique key to a concurrent one, none lost for one that won.
    let user: UserRecord;
    try {
      user = await this.em.fork().transactional(async (em) => {
        const created = em.create(UserEntity, {
          id: crypto.randomUUID(),
          email: normalizeEmail(input.email),
          passwordHash,
          roles: [...new Set(roles)],
          createdAt: new Date(),
        });
        await em.flush();
        await this.events.registered(em, created, options.selfService === true);
        return created;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException)
        throw new ConflictError('an account with this email already exists');
      throw err;
    }
    this.events.afterCommit();
    return user;
  }

  async login(input: { email: string; password: string }): Promise<Session> {
    const em = this.em.fork();
    const email = normalizeEmail(input.email);
    // The column's collation (utf8mb4_unicode_ci) is accent-insensitive: `víctim@` finds
    // `victim@`. Only the exact stored spelling may log in, or every lookalike would be a fresh
    // per-email budget at the gateway's login limits (which key on this normalisation) against the
    // same password. A lookalike still pays for a hash comparison, like an unknown email.
    const found = await em.findOne(UserEntity, { email });
    const user = found?.email === email ? found : null;
    if (!(await this.hasher.verify(input.password, user?.passwordHash)) || user === null)
      throw new UnauthenticatedError('wrong email or password');
    if (needsRehash(this.hasher.costOf(user.passwordHash), this.options.passwordHashCost)) {
      // Only if the hash is still the one verified: a password changed meanwhile is kept.
      await em.nativeUpdate(
        UserEntity,
        { id: user.id, passwordHash: user.passwordHash },
        { passwordHash: await this.hasher.hash(input.password) },
      );
    }
    return this.startSession(user);
  }

  /**
   * Exchanges a refresh token for a new pair. The token is consumed with a conditional UPDATE, so
   * of two concurrent uses exactly one wins and the other counts as reuse.
   */
  async refresh(refreshToken: string): Promise<Session> {
    const em = this.em.fork();
    const stored = await em.findOne(RefreshTokenEntity, { tokenHash: sha256(refreshToken) });
    if (stored === null) throw new UnauthenticatedError('invalid refresh token');
    const now = new Date();
    let verdict = judgeRefresh(stored, now, this.options.refreshTokens);
    if (verdict === 'rotate') {
      const won = await em.nativeUpdate(
        RefreshTokenEntity,
        { id: stored.id, usedAt: null, revokedAt: null },
        { usedAt: now },
      );
      if (won === 0) verdict = 'reuse-detected';
    }
    if (verdict === 'reuse-detected') {
      await this.revokeFamily(em, stored.familyId, now);
      throw new UnauthenticatedError('refresh token reuse detected: the session was revoked');
    }
    if (verdict !== 'rotate') throw new UnauthenticatedError(`refresh token ${verdict}`);
    const user = await em.findOne(UserEntity, { id: stored.userId });
    if (user === null) throw new UnauthenticatedError('invalid refresh token');
    const session = await this.startSession(user, {
      id: stored.familyId,
      createdAt: stored.familyCreatedAt,
    });
    // A concurrent replay may have revoked the family while the new token was being written:
    // the new token is written first and the family checked after, so it can never survive one.
    const revoked = await em.count(RefreshTokenEntity, {
      familyId: stored.familyId,
      revokedAt: { $ne: null },
    });
    if (revoked > 0) {
      await this.revokeFamily(em, stored.familyId, new Date());
      throw new UnauthenticatedError('refresh token reuse detected: the session was revoked');
    }
    return session;
  }

  /** Ends the session the refresh token belongs to (its whole family). Idempotent. */
  async logout(refreshToken: string): Promise<boolean> {
    const em = this.em.fork();
    const stored = await em.findOne(RefreshTokenEntity, { tokenHash: sha256(refreshToken) });
    if (stored === null) return false;
    await this.revokeFamily(em, stored.familyId, new Date());
    return true;
  }

  async user(id: string): Promise<UserRecord> {
    const user = await this.em.fork().findOne(UserEntity, { id });
    if (user === null) throw new NotFoundError('user not found');
    return user;
  }

  /** One query for any number of ids (reference resolution). */
  async usersByIds(ids: readonly string[]): Promise<Map<string, UserRecord>> {
    const users = await this.em.fork().find(UserEntity, { id: { $in: [...ids] } });
    return new Map(users.map((u) => [u.id, u]));
  }

  /**
   * Deletes refresh tokens no presentation can use any more (past their expiry, or of a family past
   * its absolute lifetime), a batch at a time so no statement holds locks for long. Returns how
   * many rows went.
   */
  async pruneRefreshTokens(now = new Date(), batchSize = 5_000): Promise<number> {
    const cutoff = prunableBefore(now, this.options.refreshTokens);
    const connection = this.em.getConnection();
    let total = 0;
    for (;;) {
      const result: unknown = await connection.execute(
        'delete from refresh_tokens where expires_at <= ? or family_created_at <= ? limit ?',
        [cutoff.expiresAt, cutoff.familyCreatedAt, batchSize],
        'run',
      );
      const deleted = (result as { affectedRows?: number }).affectedRows ?? 0;
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  private async revokeFamily(em: EntityManager, familyId: string, now: Date): Promise<void> {
    await em.nativeUpdate(RefreshTokenEntity, { familyId, revokedAt: null }, { revokedAt: now });
  }

  private async startSession(user: UserRecord, family?: Family): Promise<Session> {
    const access = await this.accessTokens.issue(user.id, user.roles);
    const refreshToken = randomBytes(32).toString('base64url');
    const now = new Date();
    const { id: familyId, createdAt: familyCreatedAt } = family ?? {
      id: crypto.randomUUID(),
      createdAt: now,
    };
    const expiresAt = refreshTokenExpiresAt(familyCreatedAt, now, this.options.refreshTokens);
    const em = this.em.fork();
    em.create(RefreshTokenEntity, {
      id: crypto.randomUUID(),
      userId: user.id,
      familyId,
      familyCreatedAt,
      tokenHash: sha256(refreshToken),
      expiresAt,
      usedAt: null,
      revokedAt: null,
      createdAt: now,
    });
    await em.flush();
    return {
      user,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken,
      refreshTokenExpiresAt: expiresAt,
    };
  }
}
