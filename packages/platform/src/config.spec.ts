import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { baseConfigSchema, ConfigError, env, parseConfig } from './config.js';

const schema = z.object({
  PORT: env.port(4000),
  DATABASE_URL: env.url('mysql://localhost:3306/db'),
  DB_PASSWORD: z.string().min(8),
  FEATURE: env.bool(false),
  BROKERS: env.list('a:1,b:2'),
});

describe('parseConfig', () => {
  it('applies defaults and coerces types', () => {
    const cfg = parseConfig(schema, { DB_PASSWORD: 'long-enough', FEATURE: 'true' });
    assert.equal(cfg.PORT, 4000);
    assert.equal(cfg.FEATURE, true);
    assert.deepEqual(cfg.BROKERS, ['a:1', 'b:2']);
    assert.ok(Object.isFrozen(cfg));
  });

  it('reports one line per bad or missing setting, naming it', () => {
    let problems: readonly string[] = [];
    try {
      parseConfig(schema, { PORT: 'abc', DATABASE_URL: 'not a url' });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      problems = err.problems;
    }
    assert.equal(problems.length, 3);
    assert.match(problems.find((p) => p.includes('PORT')) ?? '', /^config: PORT: .*got "abc"/);
    assert.match(problems.find((p) => p.includes('DATABASE_URL')) ?? '', /got "not a url"/);
    assert.match(problems.find((p) => p.includes('DB_PASSWORD')) ?? '', /it is not set/);
  });

  it('never echoes a secret value', () => {
    try {
      parseConfig(schema, { DB_PASSWORD: 'short' });
      assert.fail('expected a ConfigError');
    } catch (err) {
      const line = (err as ConfigError).problems[0] ?? '';
      assert.match(line, /DB_PASSWORD/);
      assert.doesNotMatch(line, /short/);
    }
  });

  it('never echoes the password of a URL', () => {
    try {
      parseConfig(schema, {
        DB_PASSWORD: 'long-enough',
        DATABASE_URL: 'mysql://shop:hunter22@db x',
      });
      assert.fail('expected a ConfigError');
    } catch (err) {
      const line = (err as ConfigError).problems[0] ?? '';
      assert.match(line, /DATABASE_URL: .*got "mysql:\/\/shop:\*\*\*@db x"/);
      assert.doesNotMatch(line, /hunter22/);
    }
  });

  it('treats an empty variable as not set: the default applies, a required one is missing', () => {
    const cfg = parseConfig(schema, { DB_PASSWORD: 'long-enough', PORT: '', BROKERS: '' });
    assert.equal(cfg.PORT, 4000, 'PORT= is not port 0');
    assert.deepEqual(cfg.BROKERS, ['a:1', 'b:2']);
    assert.throws(() => parseConfig(schema, { DB_PASSWORD: '' }), /DB_PASSWORD: .*it is not set/);
  });
});

describe('baseConfigSchema', () => {
  it('NODE_ENV unset (or empty) means production; development and test only when asked for', () => {
    assert.equal(parseConfig(baseConfigSchema, {}).NODE_ENV, 'production');
    assert.equal(parseConfig(baseConfigSchema, { NODE_ENV: '' }).NODE_ENV, 'production');
    assert.equal(
      parseConfig(baseConfigSchema, { NODE_ENV: 'development' }).NODE_ENV,
      'development',
    );
    assert.throws(() => parseConfig(baseConfigSchema, { NODE_ENV: 'dev' }), ConfigError);
  });
});
