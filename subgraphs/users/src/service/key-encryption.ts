import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Development-only default of SIGNING_KEY_ENCRYPTION_KEY (32 bytes, base64); refused in production.
 */
export const DEV_SIGNING_KEY_ENCRYPTION_KEY = 'ZGV2LW9ubHkta2V5LWVuY3J5cHRpb24ta2V5LTMyYmI=';

const VERSION = 'v1';

/** A stored private key that cannot be opened: another key-encryption key, or tampered with. */
export class SealedKeyError extends Error {
  override readonly name = 'SealedKeyError';
}

/**
 * Encrypts signing private keys at rest with AES-256-GCM under a key-encryption key (KEK) from
 * the environment (in production, injected from a KMS or secret manager). Each value gets a fresh
 * 96-bit IV; the row's `kid` is the additional data, so a sealed key copied onto another row does
 * not open. The stored form is `v1.<kek id>.<iv>.<ciphertext>.<tag>` (base64url); the KEK id (8
 * bytes of its SHA-256) turns "wrong KEK" into a clear error instead of a bare auth-tag failure.
 * A plaintext JWK (a row written before encryption) is recognised by its leading `{`. Previous
 * KEKs (a KEK change) still open; the service re-seals what they sealed with the current one.
 */
export class KeyEncryption {
  private readonly kekId: string;
  /** Every KEK that opens, by id: the current one and the previous ones of a KEK change. */
  private readonly keks: ReadonlyMap<string, Buffer>;

  /**
   * @param kek 32 bytes: seals, and opens
   * @param previous KEKs of before a change (32 bytes each): open only
   */
  constructor(kek: Buffer, previous: readonly Buffer[] = []) {
    const keks = new Map<string, Buffer>();
    for (const key of [kek, ...previous]) {
      if (key.length !== 32) throw new Error('a key-encryption key must be 32 bytes');
      keks.set(kekIdOf(key), key);
    }
    this.kekId = kekIdOf(kek);
    this.keks = keks;
  }

  seal(plaintext: string, kid: string): string {
    const iv = randomBytes(12);
    const kek = this.keks.get(this.kekId)!;
    const cipher = createCipheriv('aes-256-gcm', kek, iv).setAAD(Buffer.from(kid, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return [VERSION, this.kekId, ...parts].join('.');
  }

  /** Whether a stored value should be (re)sealed: plaintext, or sealed with a previous KEK. */
  needsSealing(stored: string): boolean {
    return isPlaintext(stored) || stored.split('.')[1] !== this.kekId;
  }

  /** The plaintext of a sealed value, or the value itself when it was stored before encryption. */
  open(stored: string, kid: string): string {
    if (isPlaintext(stored)) return stored;
    const [version, kekId, iv, body, tag] = stored.split('.');
    if (version !== VERSION || iv === undefined || body === undefined || tag === undefined)
      throw new SealedKeyError(`signing key ${kid}: unknown storage format`);
    const kek = this.keks.get(kekId ?? '');
    if (kek === undefined)
      throw new SealedKeyError(
        `signing key ${kid} is sealed with another SIGNING_KEY_ENCRYPTION_KEY`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'))
        .setAAD(Buffer.from(kid, 'utf8'))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SealedKeyError(`signing key ${kid} does not open: tampered with or misplaced`);
    }
  }
}

const kekIdOf = (kek: Buffer): string =>
  createHash('sha256').update(kek).digest().subarray(0, 8).toString('base64url');

export const isPlaintext = (stored: string): boolean => stored.trimStart().startsWith('{');

/** SIGNING_KEY_ENCRYPTION_KEY as bytes: 32 bytes in base64 (44 characters) or hex (64). */
export function parseKek(raw: string): Buffer {
  const text = raw.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : Buffer.from(text, 'base64');
  if (bytes.length !== 32)
    throw new Error('expected 32 random bytes in base64 or hex (openssl rand -base64 32)');
  return bytes;
}
