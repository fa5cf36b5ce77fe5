// Every MariaDB call has a deadline: with the server paused (SIGSTOP: the kernel still accepts
// connections, nothing answers), a GraphQL call answers with an error within the deadline instead
// of hanging, and works again once the server resumes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger, parseConfig } from '@shop/platform';
import { gql, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack, waitUntil } from '@shop/testing';
import { startUsersApp, usersConfigSchema, type UsersApp } from '../src/index.js';
import { usersKafkaEnv } from './support.js';

const mintProof = proofMinter('users');
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { user { id } } }`;
const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { user { id } } }`;
const DEADLINE_MS = 2000;

describe('users subgraph while MariaDB is paused', () => {
  const stack = new TestStack('usersstall');
  let app: UsersApp;
  let paused = false;
  const mariadb = (signal: 'SIGSTOP' | 'SIGCONT'): void => {
    process.kill(stack.serverPid('mariadb'), signal);
    paused = signal === 'SIGSTOP';
  };

  before(async () => {
    const db = await stack.createDatabase('users');
    const config = parseConfig(usersConfigSchema, {
      ...db.mysqlEnv,
      MYSQL_ANSWER_TIMEOUT_MS: String(DEADLINE_MS),
      PORT: '0',
      PASSWORD_HASH_COST: '4',
      NODE_ENV: 'test',
      ...usersKafkaEnv(stack),
    });
    app = await startUsersApp(config, createLogger('users', 'silent'));
  });
  after(async () => {
    if (paused) mariadb('SIGCONT');
    await app?.close();
    await stack.cleanup();
  });

  it('a login answers with an error within the deadline, then works after SIGCONT', async () => {
    const input = { email: `${stack.ns.runId}@example.com`, password: 'correct horse 42' };
    const reg = await gql(app.http.url, REGISTER, { input }, await mintProof());
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));

    const proof = await mintProof();
    mariadb('SIGSTOP');
    const started = Date.now();
    // Bounded here too, so that a call without a deadline fails the test instead of hanging it.
    const stalled = await Promise.race([
      gql(app.http.url, LOGIN, { input }, proof),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref(),
      ),
    ]).finally(() => mariadb('SIGCONT'));
    const elapsed = Date.now() - started;
    assert.equal(stalled.data?.login ?? null, null);
    assert.ok(stalled.errors?.length, 'an error, not a hang');
    assert.equal(stalled.errors[0]?.extensions?.code, 'INTERNAL');
    assert.ok(elapsed < DEADLINE_MS + 3000, `answered in ${elapsed} ms`);

    const ok = await waitUntil(
      async () => {
        const res = await gql<{ login: { user: { id: string } } }>(
          app.http.url,
          LOGIN,
          { input },
          await mintProof(),
        );
        return res.errors === undefined ? res : undefined;
      },
      { timeoutMs: 15_000, what: 'a login after SIGCONT' },
    );
    assert.ok(ok.data?.login.user.id);
  });
});
