import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '@shop/platform';
import { usersConfigSchema } from './config.js';
import { DEV_SIGNING_KEY_ENCRYPTION_KEY } from './service/key-encryption.js';

const problems = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    parseConfig(usersConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('users config', () => {
  it('unset NODE_ENV is production: the development KEK and a bcrypt cost under 10 are refused', () => {
    const lines = problems({ PASSWORD_HASH_COST: '9' });
    assert.ok(
      lines.some((l) => l.startsWith('config: SIGNING_KEY_ENCRYPTION_KEY: the development')),
    );
    assert.ok(lines.some((l) => l.startsWith('config: PASSWORD_HASH_COST: must be at least 10')));
    assert.ok(
      problems({ SIGNING_KEY_ENCRYPTION_KEY: DEV_SIGNING_KEY_ENCRYPTION_KEY }).some((l) =>
        l.startsWith('config: SIGNING_KEY_ENCRYPTION_KEY'),
      ),
    );
  });

  it('production takes its own KEK and a cost of 10 or more; tests may use 4', () => {
    const own = { SIGNING_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    assert.ok(!problems({ ...own, PASSWORD_HASH_COST: '10' }).some((l) => /KEY_ENC|HASH/.test(l)));
    assert.deepEqual(problems({ NODE_ENV: 'test', PASSWORD_HASH_COST: '4' }), []);
  });

  it('a KEK that is not 32 bytes is refused without being echoed', () => {
    const [line] = problems({ NODE_ENV: 'test', SIGNING_KEY_ENCRYPTION_KEY: 'c2hvcnQ=' });
    assert.match(
      line ?? '',
      /^config: SIGNING_KEY_ENCRYPTION_KEY: expected 32 random bytes.*"\*\*\*"/,
    );
  });
});
