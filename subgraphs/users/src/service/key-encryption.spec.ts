import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyEncryption, parseKek, SealedKeyError } from './key-encryption.js';

const jwk = JSON.stringify({ kty: 'RSA', d: 'secret-exponent', n: 'modulus' });

describe('KeyEncryption', () => {
  const kek = new KeyEncryption(randomBytes(32));

  it('seals a private JWK so that the stored text reveals nothing and opens back', () => {
    const sealed = kek.seal(jwk, 'kid-1');
    assert.match(sealed, /^v1\./);
    assert.doesNotMatch(sealed, /secret-exponent|kty/);
    assert.notEqual(kek.seal(jwk, 'kid-1'), sealed, 'a fresh IV each time');
    assert.equal(kek.open(sealed, 'kid-1'), jwk);
  });

  it('reads a plaintext row written before encryption as it is', () => {
    assert.equal(kek.open(jwk, 'kid-1'), jwk);
  });

  it('refuses another KEK, another row and a tampered value', () => {
    const sealed = kek.seal(jwk, 'kid-1');
    assert.throws(
      () => new KeyEncryption(randomBytes(32)).open(sealed, 'kid-1'),
      /another SIGNING_KEY_ENCRYPTION_KEY/,
    );
    assert.throws(() => kek.open(sealed, 'kid-2'), SealedKeyError);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('x'.repeat(10)).toString('base64url');
    assert.throws(() => kek.open(parts.join('.'), 'kid-1'), SealedKeyError);
  });

  it('a KEK change: a previous KEK still opens, and what it sealed needs sealing again', () => {
    const oldKek = randomBytes(32);
    const old = new KeyEncryption(oldKek);
    const sealedBefore = old.seal(jwk, 'kid-1');
    const changed = new KeyEncryption(randomBytes(32), [randomBytes(32), oldKek]);
    assert.equal(changed.open(sealedBefore, 'kid-1'), jwk);
    assert.equal(changed.needsSealing(sealedBefore), true);
    assert.equal(changed.needsSealing(jwk), true);
    const resealed = changed.seal(jwk, 'kid-1');
    assert.equal(changed.needsSealing(resealed), false);
    assert.throws(() => old.open(resealed, 'kid-1'), /another SIGNING_KEY_ENCRYPTION_KEY/);
  });

  it('parses a 32-byte key in base64 or hex and refuses anything else', () => {
    const bytes = randomBytes(32);
    assert.ok(parseKek(bytes.toString('base64')).equals(bytes));
    assert.ok(parseKek(bytes.toString('hex')).equals(bytes));
    assert.throws(() => parseKek('too-short'), /32 random bytes/);
  });
});
