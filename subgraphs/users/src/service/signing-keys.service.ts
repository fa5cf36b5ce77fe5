import type { EntityManager } from '@mikro-orm/mysql';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import { SigningKeyEntity, type SigningKeyRecord } from '../persistence/signing-key.entity.js';

export interface ActiveKey {
  readonly kid: string;
  readonly key: CryptoKey;
}

export interface SigningKeysOptions {
  /** Access token lifetime: a retired key stays published this long (plus skew). */
  readonly accessTokenTtlSeconds: number;
  /** How long a replica trusts its cached active key before re-reading it. @default 30 */
  readonly cacheSeconds?: number;
  readonly now?: () => Date;
}

const SKEW_SECONDS = 60;

/**
 * RS256 keys kept in MariaDB so every replica signs with the same key and publishes the same
 * JWKS. Rotation adds a new active key and retires the old one; the old public key stays in the
 * JWKS until the last token it signed has expired, so nobody is logged out by a rotation.
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
      { retiredAt: null },
      { orderBy: { createdAt: 'desc' } },
    );
    record ??= await this.create(em);
    const key = { kid: record.kid, key: await importPrivate(record) };
    this.cached = { key, until: Date.now() + (this.options.cacheSeconds ?? 30) * 1000 };
    return key;
  }

  /** Rotates when the active key is older than `maxAgeSeconds`; returns the new kid, if any. */
  async rotateIfOlderThan(maxAgeSeconds: number): Promise<string | undefined> {
    const active = await this.em
      .fork()
      .findOne(SigningKeyEntity, { retiredAt: null }, { orderBy: { createdAt: 'desc' } });
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

  /** Public keys of the active key and of retired keys whose tokens may still be valid. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const horizon = new Date(
      this.now().getTime() - (this.options.accessTokenTtlSeconds + SKEW_SECONDS) * 1000,
    );
    const records = await this.em
      .fork()
      .find(
        SigningKeyEntity,
        { $or: [{ retiredAt: null }, { retiredAt: { $gt: horizon } }] },
        { orderBy: { createdAt: 'desc' } },
      );
    return { keys: records.map((r) => JSON.parse(r.publicJwk) as JWK) };
  }

  private async create(em: EntityManager): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = crypto.randomUUID();
    const meta = { kid, alg: 'RS256', use: 'sig' };
    const record = em.create(SigningKeyEntity, {
      kid,
      privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), ...meta }),
      publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), ...meta }),
      createdAt: this.now(),
      retiredAt: null,
    });
    await em.flush();
    return record;
  }
}

async function importPrivate(record: SigningKeyRecord): Promise<CryptoKey> {
  return (await importJWK(JSON.parse(record.privateJwk) as JWK, 'RS256')) as CryptoKey;
}
