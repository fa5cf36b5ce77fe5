import { LockMode, type EntityManager } from '@mikro-orm/mysql';
import { NotFoundError } from '@shop/platform';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import { planRevocation } from '../domain/signing-key.js';
import { SigningKeyEntity, type SigningKeyRecord } from '../persistence/signing-key.entity.js';
import type { KeyEncryption } from './key-encryption.js';

export interface ActiveKey {
  readonly kid: string;
  readonly key: CryptoKey;
}

export interface SigningKeysOptions {
  /** Access token lifetime: a retired key stays published this long (plus skew). */
  readonly accessTokenTtlSeconds: number;
  /** Seals private keys at rest (AES-256-GCM under SIGNING_KEY_ENCRYPTION_KEY). */
  readonly encryption: KeyEncryption;
  /**
   * How long a replica trusts its cached active key before re-reading it: after a revocation,
   * another replica may sign with the revoked key this long. @default 5
   */
  readonly cacheSeconds?: number;
  readonly now?: () => Date;
}

const SKEW_SECONDS = 60;

/**
 * RS256 keys kept in MariaDB so every replica signs with the same key and publishes the same
 * JWKS. Rotation adds a new active key and retires the old one; the old public key stays in the
 * JWKS until the last token it signed has expired, so nobody is logged out by a rotation.
 * Revocation (a key leaked) takes a key out of the JWKS at once. Private keys are stored sealed.
 */
export class SigningKeysService {
  private cached: { key: ActiveKey; until: number } | undefined;
  private readonly now: () => Date;

  constructor(
    private readonly em: EntityManager,
    private readonly options: SigningKeysOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** The key to sign with; creates the first key when there is none. */
  async active(): Promise<ActiveKey> {
    if (this.cached !== undefined && this.cached.until > Date.now()) return this.cached.key;
    const em = this.em.fork();
    let record = await em.findOne(
      SigningKeyEntity,
      { retiredAt: null, revokedAt: null },
      { orderBy: { createdAt: 'desc' } },
    );
    record ??= await this.create(em);
    const key = { kid: record.kid, key: await this.importPrivate(record) };
    this.cached = { key, until: Date.now() + (this.options.cacheSeconds ?? 5) * 1000 };
    return key;
  }

  /** Rotates when the active key is older than `maxAgeSeconds`; returns the new kid, if any. */
  async rotateIfOlderThan(maxAgeSeconds: number): Promise<string | undefined> {
    const active = await this.em
      .fork()
      .findOne(
        SigningKeyEntity,
        { retiredAt: null, revokedAt: null },
        { orderBy: { createdAt: 'desc' } },
      );
    if (active !== null && this.now().getTime() - active.createdAt.getTime() < maxAgeSeconds * 1000)
      return undefined;
    return this.rotate();
  }

  /** Makes a new key active and retires the previous ones; returns the new `kid`. */
  async rotate(): Promise<string> {
    const em = this.em.fork();
    const kid = await em.transactional(async (tx) => {
      await tx.nativeUpdate(SigningKeyEntity, { retiredAt: null }, { retiredAt: this.now() });
      return (await this.create(tx)).kid;
    });
    this.cached = undefined;
    return kid;
  }

  /**
   * Emergency revocation: the key leaves the JWKS at once and stops signing; when it was the
   * active key a new one takes over in the same transaction. Returns the active kid afterwards.
   * Idempotent. Gateways keep accepting tokens it signed until their JWKS cache expires
   * (JWKS_CACHE_MAX_AGE_SECONDS, plus their 60 s verified-token cache); other users replicas may
   * sign with it for `cacheSeconds` more.
   * @throws NotFoundError for an unknown kid.
   */
  async revoke(kid: string): Promise<string> {
    const now = this.now();
    const activeKid = await this.em.fork().transactional(async (tx) => {
      // FOR UPDATE: two revocations of the active key at once must create one successor, not two
      const key = await tx.findOne(
        SigningKeyEntity,
        { kid },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const plan = planRevocation(key);
      if (plan.kind === 'unknown') throw new NotFoundError(`no signing key ${kid}`);
      if (plan.kind === 'revoke') {
        await tx.nativeUpdate(
          SigningKeyEntity,
          { kid },
          { revokedAt: now, retiredAt: key?.retiredAt ?? now },
        );
        if (plan.replaceActive) return (await this.create(tx)).kid;
      }
      const active = await tx.findOne(
        SigningKeyEntity,
        { retiredAt: null, revokedAt: null },
        { orderBy: { createdAt: 'desc' } },
      );
      return active?.kid ?? (await this.create(tx)).kid;
    });
    this.cached = undefined;
    return activeKid;
  }

  /**
   * Seals the private keys still stored in plain text (rows written before encryption at rest) or
   * sealed with a previous KEK (a KEK change). Each row is updated only if it still holds what was
   * read, so replicas starting together do not overwrite each other. Returns how many rows this
   * call sealed.
   */
  async sealKeys(): Promise<number> {
    const em = this.em.fork();
    const { encryption } = this.options;
    const records = await em.find(SigningKeyEntity, {}, { fields: ['kid', 'privateJwk'] });
    let sealed = 0;
    for (const { kid, privateJwk } of records) {
      if (!encryption.needsSealing(privateJwk)) continue;
      sealed += await em.nativeUpdate(
        SigningKeyEntity,
        { kid, privateJwk },
        { privateJwk: encryption.seal(encryption.open(privateJwk, kid), kid) },
      );
    }
    return sealed;
  }

  /** Public keys of the active key and of retired keys whose tokens may still be valid. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const horizon = new Date(
      this.now().getTime() - (this.options.accessTokenTtlSeconds + SKEW_SECONDS) * 1000,
    );
    const records = await this.em
      .fork()
      .find(
        SigningKeyEntity,
        { revokedAt: null, $or: [{ retiredAt: null }, { retiredAt: { $gt: horizon } }] },
        { orderBy: { createdAt: 'desc' } },
      );
    return { keys: records.map((r) => JSON.parse(r.publicJwk) as JWK) };
  }

  private async create(em: EntityManager): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = crypto.randomUUID();
    const meta = { kid, alg: 'RS256', use: 'sig' };
    const privateJwk = JSON.stringify({ ...(await exportJWK(privateKey)), ...meta });
    const record = em.create(SigningKeyEntity, {
      kid,
      privateJwk: this.options.encryption.seal(privateJwk, kid),
      publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), ...meta }),
      createdAt: this.now(),
      retiredAt: null,
      revokedAt: null,
    });
    await em.flush();
    return record;
  }

  private async importPrivate(record: SigningKeyRecord): Promise<CryptoKey> {
    const jwk = JSON.parse(this.options.encryption.open(record.privateJwk, record.kid)) as JWK;
    return (await importJWK(jwk, 'RS256')) as CryptoKey;
  }
}
