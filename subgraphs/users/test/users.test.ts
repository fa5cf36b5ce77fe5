import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseConfig, createLogger } from '@shop/platform';
import { gql, mintProof as mintProofFor, proofMinter } from '@shop/subgraph-kit/testing';
import { TestStack } from '@shop/testing';
import bcrypt from 'bcryptjs';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
} from 'jose';
import mysql from 'mysql2/promise';
import { seedUsers, startUsersApp, usersConfigSchema, type UsersApp } from '../src/index.js';
import { KeyEncryption } from '../src/service/key-encryption.js';
import { SigningKeysService } from '../src/service/signing-keys.service.js';
import { usersKafkaEnv } from './support.js';

/** Proofs as the gateway signs them for this subgraph (the committed test key). */
const mintProof = proofMinter('users');

const AUTH_FIELDS = 'accessToken refreshToken user { id roles }';
const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`;
const REFRESH = `mutation ($t: String!) { refresh(refreshToken: $t) { ${AUTH_FIELDS} } }`;

interface Auth {
  accessToken: string;
  refreshToken: string;
  user: { id: string; roles: string[] };
}

describe('users subgraph over HTTP against MariaDB', () => {
  const stack = new TestStack('users');
  let app: UsersApp;
  let url: string;
  let base: string;
  let dbUrl: string;
  let mysqlEnv: Record<string, string>;
  let anon: string;
  let userSelects = 0;
  /** The key-encryption key of this run (not the development default). */
  const kek = randomBytes(32);

  // A proof is refused once issued more than 35 s ago: each test gets a fresh one.
  beforeEach(async () => {
    anon = await mintProof();
  });

  before(async () => {
    const db = await stack.createDatabase('users');
    dbUrl = db.url;
    mysqlEnv = db.mysqlEnv;
    const config = parseConfig(usersConfigSchema, {
      ...db.mysqlEnv,
      ...usersKafkaEnv(stack),
      PORT: '0',
      PASSWORD_HASH_COST: '4',
      NODE_ENV: 'test',
      SIGNING_KEY_ENCRYPTION_KEY: kek.toString('base64'),
    });
    app = await startUsersApp(config, createLogger('users', 'silent'), {
      debug: ['query'],
      colors: false,
      // Counts the SELECTs on the users table that the subgraph sends to MariaDB.
      logger: (message: string) => {
        if (/\bselect\b/i.test(message) && /\bfrom `users`/.test(message)) userSelects++;
      },
    });
    url = app.http.url;
    base = url.replace(/\/graphql$/, '');
  });
  after(async () => {
    await app?.close();
    await stack.cleanup();
  });

  const jwks = async (): Promise<JSONWebKeySet> =>
    (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  const verifyAccess = async (token: string) =>
    jwtVerify(token, createLocalJWKSet(await jwks()), {
      algorithms: ['RS256'],
      issuer: 'shop-users',
      audience: 'shop-api',
    });
  const countRows = async (table: string, where = '1 = 1', params: unknown[] = []) => {
    const conn = await mysql.createConnection(dbUrl);
    try {
      const [rows] = await conn.query(`select count(*) as n from ${table} where ${where}`, params);
      return Number((rows as { n: number }[])[0]?.n);
    } finally {
      await conn.end();
    }
  };

  it('register -> login -> me -> refresh -> reusing the old refresh token revokes the family', async () => {
    const email = `ada-${stack.ns.runId}@example.com`;
    const password = 'correct horse 42';
    const reg = await gql<{ register: Auth }>(url, REGISTER, { input: { email, password } }, anon);
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    assert.deepEqual(reg.data?.register.user.roles, ['CUSTOMER']);

    const login = await gql<{ login: Auth }>(
      url,
      LOGIN,
      { input: { email: email.toUpperCase(), password } },
      anon,
    );
    assert.equal(login.errors, undefined, JSON.stringify(login.errors));
    const session = login.data!.login;

    // The access token follows the contract and verifies against the published JWKS.
    const { payload, protectedHeader } = await verifyAccess(session.accessToken);
    assert.equal(protectedHeader.alg, 'RS256');
    assert.ok(protectedHeader.kid);
    assert.equal(payload.sub, session.user.id);
    assert.deepEqual(payload.roles, ['customer']);
    assert.equal(payload.exp! - payload.iat!, 900);
    assert.ok(payload.jti && payload.nbf !== undefined);

    const asUser = await mintProof({ sub: session.user.id, roles: ['customer'] });
    const me = await gql<{ me: { id: string; email: string } }>(
      url,
      '{ me { id email } }',
      {},
      asUser,
    );
    assert.deepEqual(me.data?.me, { id: session.user.id, email });

    const refreshed = await gql<{ refresh: Auth }>(url, REFRESH, { t: session.refreshToken }, anon);
    assert.equal(refreshed.errors, undefined, JSON.stringify(refreshed.errors));
    const next = refreshed.data!.refresh;
    assert.notEqual(next.refreshToken, session.refreshToken);

    const replay = await gql(url, REFRESH, { t: session.refreshToken }, anon);
    assert.equal(replay.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // The replay revoked the family: the token issued by the legitimate refresh is dead too.
    const after = await gql(url, REFRESH, { t: next.refreshToken }, anon);
    assert.equal(after.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // A fresh login starts a new family and works.
    const again = await gql<{ login: Auth }>(url, LOGIN, { input: { email, password } }, anon);
    assert.equal(again.errors, undefined);
  });

  it('register, login and refresh payloads show the new session its own email', async () => {
    // The caller is still anonymous (the proof has no sub): the payload's tokens make it the owner.
    const fields = 'accessToken refreshToken user { id email }';
    type Payload = {
      accessToken: string;
      refreshToken: string;
      user: { id: string; email: string };
    };
    const email = `own-${stack.ns.runId}@example.com`;
    const password = 'correct horse 42';
    const reg = await gql<{ register: Payload }>(
      url,
      `mutation ($input: RegisterInput!) { register(input: $input) { ${fields} } }`,
      { input: { email, password } },
      anon,
    );
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    assert.equal(reg.data?.register.user.email, email);
    assert.ok(reg.data.register.accessToken);

    const login = await gql<{ login: Payload }>(
      url,
      `mutation ($input: LoginInput!) { login(input: $input) { ${fields} } }`,
      { input: { email, password } },
      anon,
    );
    assert.equal(login.errors, undefined, JSON.stringify(login.errors));
    assert.deepEqual(login.data?.login.user, { id: reg.data.register.user.id, email });

    const refreshed = await gql<{ refresh: Payload }>(
      url,
      `mutation ($t: String!) { refresh(refreshToken: $t) { ${fields} } }`,
      { t: login.data.login.refreshToken },
      anon,
    );
    assert.equal(refreshed.errors, undefined, JSON.stringify(refreshed.errors));
    assert.equal(refreshed.data?.refresh.user.email, email);
  });

  it('three concurrent refreshes with one token: one consumes it, at most one gets a pair, the family ends revoked', async () => {
    const email = `race-${stack.ns.runId}@example.com`;
    const reg = await gql<{ register: Auth }>(
      url,
      REGISTER,
      { input: { email, password: 'correct horse 42' } },
      anon,
    );
    const t = reg.data!.register.refreshToken;
    const results = await Promise.all(
      [1, 2, 3].map(() => gql<{ refresh: Auth }>(url, REFRESH, { t }, anon)),
    );
    // The conditional UPDATE lets exactly one request consume the token; the others count as
    // reuse and revoke the family. The consumer gets its pair only if it wrote its new token
    // before a reuse revoked the family, so zero or one request succeeds.
    const winners = results.filter((r) => r.errors === undefined);
    assert.ok(winners.length <= 1, `winners: ${winners.length}`);
    for (const r of results.filter((res) => res.errors !== undefined))
      assert.equal(r.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    const tokenHash = createHash('sha256').update(t).digest('hex');
    assert.equal(
      await countRows('refresh_tokens', 'token_hash = ? and used_at is not null', [tokenHash]),
      1,
    );
    const family = 'family_id = (select family_id from refresh_tokens where token_hash = ?)';
    assert.equal(
      await countRows('refresh_tokens', `${family} and revoked_at is null`, [tokenHash]),
      0,
    );
    // Whoever won holds a token of a revoked family.
    for (const w of winners) {
      const next = await gql(url, REFRESH, { t: w.data!.refresh.refreshToken }, anon);
      assert.equal(next.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    }
  });

  it('provisions partners and admins, whose tokens carry their roles', async () => {
    const email = `admin-${stack.ns.runId}@example.com`;
    const [id] = await seedUsers(
      dbUrl,
      [{ email, password: 'admin pass 1234', roles: ['admin', 'partner'] }],
      {
        passwordHashCost: 4,
      },
    );
    const login = await gql<{ login: Auth }>(
      url,
      LOGIN,
      { input: { email, password: 'admin pass 1234' } },
      anon,
    );
    assert.equal(login.data?.login.user.id, id);
    assert.deepEqual(login.data?.login.user.roles, ['ADMIN', 'PARTNER']);
    const { payload } = await verifyAccess(login.data.login.accessToken);
    assert.deepEqual(payload.roles, ['admin', 'partner']);
  });

  it('create-user reads the password from stdin and prints the roles it granted', async () => {
    const createUser = async (args: string[], stdin: string) => {
      const child = spawn(
        process.execPath,
        [new URL('../src/create-user.js', import.meta.url).pathname, ...args],
        {
          env: {
            PATH: process.env.PATH ?? '',
            NODE_ENV: 'test',
            ...mysqlEnv,
            PASSWORD_HASH_COST: '4',
          },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stdin.end(stdin);
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      return { code, out };
    };
    const email = `cli-${stack.ns.runId}@example.com`;
    const made = await createUser([email], 'cli pass word 42\n');
    assert.equal(made.code, 0);
    const printed = JSON.parse(made.out) as { id: string; email: string; roles: string[] };
    assert.deepEqual(printed.roles, ['customer']);
    const login = await gql<{ login: Auth }>(
      url,
      LOGIN,
      { input: { email, password: 'cli pass word 42' } },
      anon,
    );
    assert.equal(login.data?.login.user.id, printed.id);
    assert.deepEqual(login.data.login.user.roles, ['CUSTOMER']);

    const partner = await createUser([`p-${email}`, 'partner', 'partner'], 'cli pass word 43');
    assert.deepEqual((JSON.parse(partner.out) as { roles: string[] }).roles, ['partner']);
    assert.equal((await createUser([`none-${email}`], '')).code, 64);
  });

  it('logout ends the session', async () => {
    const email = `lin-${stack.ns.runId}@example.com`;
    const reg = await gql<{ register: Auth }>(
      url,
      REGISTER,
      { input: { email, password: 'pass word 1234' } },
      anon,
    );
    const t = reg.data!.register.refreshToken;
    const out = await gql<{ logout: boolean }>(
      url,
      'mutation ($t: String!) { logout(refreshToken: $t) }',
      { t },
      anon,
    );
    assert.equal(out.data?.logout, true);
    const res = await gql(url, REFRESH, { t }, anon);
    assert.equal(res.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });

  // The gateway's per-email login limits key on the email as users normalises it (trimmed, lower
  // case). MariaDB's utf8mb4_unicode_ci is accent-insensitive: if `víctim@` found `victim@`'s row,
  // each accented spelling would be a fresh per-email budget against the same password.
  it('login finds an account only by its exact normalised email, not by a collation lookalike', async () => {
    const email = `victim-${stack.ns.runId}@example.com`;
    const password = 'pass word 1234';
    const reg = await gql(url, REGISTER, { input: { email, password } }, anon);
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    for (const lookalike of [email.replace('i', 'í'), email.replace('e', 'é'), ` ${email} `]) {
      const res = await gql<{ login: Auth }>(
        url,
        LOGIN,
        { input: { email: lookalike, password } },
        anon,
      );
      if (lookalike.trim() === email) assert.equal(res.errors, undefined, lookalike);
      else assert.equal(res.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', lookalike);
    }
    // A lookalike cannot register a second account either (the unique key uses the collation).
    const twin = await gql(
      url,
      REGISTER,
      { input: { email: email.replace('i', 'í'), password } },
      anon,
    );
    assert.equal(twin.errors?.[0]?.extensions?.code, 'CONFLICT');
  });

  it('bad input gives BAD_USER_INPUT and changes nothing', async () => {
    const users = await countRows('users');
    const tokens = await countRows('refresh_tokens');
    for (const input of [
      { email: 'not-an-email', password: 'correct horse 42' },
      { email: `short-${stack.ns.runId}@example.com`, password: 'short1' },
    ]) {
      const res = await gql(url, REGISTER, { input }, anon);
      assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(res.errors));
      assert.equal(res.data, null);
    }
    const missing = await gql(
      url,
      'mutation { register(input: { email: "a@b.co" }) { accessToken } }',
      {},
      anon,
    );
    assert.equal(missing.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(await countRows('users'), users);
    assert.equal(await countRows('refresh_tokens'), tokens);

    const email = `dup-${stack.ns.runId}@example.com`;
    await gql(url, REGISTER, { input: { email, password: 'correct horse 42' } }, anon);
    const dup = await gql(url, REGISTER, { input: { email, password: 'correct horse 43' } }, anon);
    assert.equal(dup.errors?.[0]?.extensions?.code, 'CONFLICT');
    const wrong = await gql(url, LOGIN, { input: { email, password: 'wrong horse 42' } }, anon);
    assert.equal(wrong.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });

  it('rejects requests without a valid gateway proof, including _entities', async () => {
    const entities =
      '{ _entities(representations: [{ __typename: "User", id: "x" }]) { ... on User { id } } }';
    const cases: [string, string | undefined][] = [
      ['missing', undefined],
      ['garbage', 'not-a-jwt'],
      [
        'forged',
        await mintProof(
          { sub: 'u1', roles: ['admin'] },
          { key: generateKeyPairSync('ed25519').privateKey },
        ),
      ],
      [
        'addressed to cart',
        await mintProofFor({ sub: 'u1', roles: ['admin'] }, { audience: 'cart' }),
      ],
      [
        'expired',
        await mintProof({ sub: 'u1' }, { expiresIn: Math.floor(Date.now() / 1000) - 120 }),
      ],
      ['wrong issuer', await mintProof({ sub: 'u1' }, { issuer: 'someone-else' })],
    ];
    for (const [label, proof] of cases) {
      for (const query of ['{ me { id } }', entities]) {
        const res = await gql(url, query, {}, proof);
        assert.equal(res.status, 401, label);
        assert.equal(res.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', label);
        assert.equal(res.data, undefined, label);
      }
    }
    // Client-style identity headers carry no weight.
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': 'u1', 'x-user-roles': 'admin' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    assert.equal(res.status, 401);
  });

  it('enforces @authenticated and @requiresScopes from the proof identity', async () => {
    const me = await gql(url, '{ me { id } }', {}, anon);
    assert.equal(me.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    const customer = await mintProof({ sub: crypto.randomUUID(), roles: ['customer'] });
    const rotate = await gql(url, 'mutation { rotateSigningKey }', {}, customer);
    assert.equal(rotate.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const probe = await gql<{ rateLimitProbe: string }>(url, '{ rateLimitProbe }', {}, customer);
    assert.equal(probe.data?.rateLimitProbe, 'ok');
  });

  it('resolves User references in one batch and hides emails from other users', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reg = await gql<{ register: Auth }>(
        url,
        REGISTER,
        { input: { email: `ref${i}-${stack.ns.runId}@example.com`, password: 'correct horse 42' } },
        anon,
      );
      ids.push(reg.data!.register.user.id);
    }
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id roles } } }`;
    const reps = [...ids, crypto.randomUUID()].map((id) => ({ __typename: 'User', id }));
    userSelects = 0;
    const res = await gql<{ _entities: ({ id: string } | null)[] }>(url, query, { r: reps }, anon);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(userSelects, 1);
    assert.deepEqual(
      res.data?._entities.map((e) => e?.id ?? null),
      [...ids, null],
    );

    const other = await mintProof({ sub: ids[0]!, roles: ['customer'] });
    const emails = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }`;
    const peek = await gql(url, emails, { r: [{ __typename: 'User', id: ids[1] }] }, other);
    assert.equal(peek.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const anonymous = await gql(url, emails, { r: [{ __typename: 'User', id: ids[1] }] }, anon);
    assert.equal(anonymous.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.doesNotMatch(JSON.stringify(anonymous.data), /@example\.com/);
  });

  it('key rotation: the new key signs, the old key stays in the JWKS, nobody is logged out', async () => {
    const email = `rot-${stack.ns.runId}@example.com`;
    const reg = await gql<{ register: Auth }>(
      url,
      REGISTER,
      { input: { email, password: 'correct horse 42' } },
      anon,
    );
    const oldToken = reg.data!.register.accessToken;
    const oldKid = decodeProtectedHeader(oldToken).kid!;

    const admin = await mintProof({ sub: crypto.randomUUID(), roles: ['admin'] });
    const rotated = await gql<{ rotateSigningKey: string }>(
      url,
      'mutation { rotateSigningKey }',
      {},
      admin,
    );
    assert.equal(rotated.errors, undefined, JSON.stringify(rotated.errors));
    const newKid = rotated.data!.rotateSigningKey;
    assert.notEqual(newKid, oldKid);

    const kids = (await jwks()).keys.map((k) => k.kid);
    assert.ok(kids.includes(oldKid) && kids.includes(newKid), JSON.stringify(kids));
    await verifyAccess(oldToken);

    const login = await gql<{ login: Auth }>(
      url,
      LOGIN,
      { input: { email, password: 'correct horse 42' } },
      anon,
    );
    const fresh = login.data!.login.accessToken;
    assert.equal(decodeProtectedHeader(fresh).kid, newKid);
    await verifyAccess(fresh);
    // The refresh token from before the rotation still works.
    const refreshed = await gql(url, REFRESH, { t: reg.data!.register.refreshToken }, anon);
    assert.equal(refreshed.errors, undefined);
  });

  it('drops a retired key from the JWKS only once every token it signed has expired', async () => {
    const before = (await jwks()).keys.map((k) => k.kid);
    assert.ok(before.length >= 2);
    const activeKid = (await app.keys.active()).kid;
    // 15 minutes of token lifetime plus 60 s of skew after the retirement.
    const later = new SigningKeysService(app.orm.em, {
      accessTokenTtlSeconds: 900,
      encryption: new KeyEncryption(kek),
      now: () => new Date(Date.now() + 961_000),
    });
    const kids = (await later.jwks()).keys.map((k) => k.kid);
    assert.deepEqual(kids, [activeKid]);
    const soon = new SigningKeysService(app.orm.em, {
      accessTokenTtlSeconds: 900,
      encryption: new KeyEncryption(kek),
      now: () => new Date(Date.now() + 900_000),
    });
    assert.ok((await soon.jwks()).keys.length >= 2);
  });

  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const conn = await mysql.createConnection(dbUrl);
    try {
      const [rows] = await conn.query(sql, params);
      return rows as T[];
    } finally {
      await conn.end();
    }
  };
  const register = async (): Promise<Auth & { email: string }> => {
    const email = `u-${crypto.randomUUID()}@example.com`;
    const res = await gql<{ register: Auth }>(
      url,
      REGISTER,
      { input: { email, password: 'correct horse 42' } },
      anon,
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return { ...res.data!.register, email };
  };
  const familyOf = async (refreshToken: string): Promise<string> => {
    const hash = createHash('sha256').update(refreshToken).digest('hex');
    const [row] = await query<{ family_id: string }>(
      'select family_id from refresh_tokens where token_hash = ?',
      [hash],
    );
    return row!.family_id;
  };

  it('a session ends at its absolute lifetime however often it is refreshed; rotation never extends it', async () => {
    const day = 86_400_000;
    // a family started 89.5 days ago: the next token is capped at the family's 90-day end
    const young = await register();
    const youngFamily = await familyOf(young.refreshToken);
    const started = new Date(Date.now() - 89.5 * day);
    await query('update refresh_tokens set family_created_at = ? where family_id = ?', [
      started,
      youngFamily,
    ]);
    const refreshed = await gql<{ refresh: Auth }>(url, REFRESH, { t: young.refreshToken }, anon);
    assert.equal(refreshed.errors, undefined, JSON.stringify(refreshed.errors));
    const [next] = await query<{ expires_at: Date; family_created_at: Date }>(
      'select expires_at, family_created_at from refresh_tokens where token_hash = ?',
      [createHash('sha256').update(refreshed.data!.refresh.refreshToken).digest('hex')],
    );
    assert.equal(next!.family_created_at.getTime(), started.getTime());
    assert.equal(next!.expires_at.getTime(), started.getTime() + 90 * day);

    // a family past 90 days: refused even though the token itself is fresh
    const old = await register();
    await query('update refresh_tokens set family_created_at = ? where family_id = ?', [
      new Date(Date.now() - 90 * day - 1000),
      await familyOf(old.refreshToken),
    ]);
    const refused = await gql(url, REFRESH, { t: old.refreshToken }, anon);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.match(refused.errors?.[0]?.message ?? '', /expired/);
  });

  it('pruning deletes expired tokens and families past their lifetime, and nothing still usable', async () => {
    const live = await register();
    const expired = await register();
    const oldFamily = await register();
    await query('update refresh_tokens set expires_at = ? where family_id = ?', [
      new Date(Date.now() - 1000),
      await familyOf(expired.refreshToken),
    ]);
    await query('update refresh_tokens set family_created_at = ? where family_id = ?', [
      new Date(Date.now() - 91 * 86_400_000),
      await familyOf(oldFamily.refreshToken),
    ]);
    const pruned = await app.auth.pruneRefreshTokens(new Date(), 1);
    assert.ok(pruned >= 2, String(pruned));
    const remaining = async (t: string) =>
      countRows('refresh_tokens', 'token_hash = ?', [createHash('sha256').update(t).digest('hex')]);
    assert.equal(await remaining(expired.refreshToken), 0);
    assert.equal(await remaining(oldFamily.refreshToken), 0);
    assert.equal(await remaining(live.refreshToken), 1);
    const stillWorks = await gql(url, REFRESH, { t: live.refreshToken }, anon);
    assert.equal(stillWorks.errors, undefined);
  });

  it('login rehashes a password stored at another cost, only when the password is right', async () => {
    const user = await register();
    const old = bcrypt.hashSync('correct horse 42', 5);
    await query('update users set password_hash = ? where id = ?', [old, user.user.id]);
    const hashOf = async () =>
      (
        await query<{ password_hash: string }>('select password_hash from users where id = ?', [
          user.user.id,
        ])
      )[0]!.password_hash;
    const wrong = await gql(
      url,
      LOGIN,
      { input: { email: user.email, password: 'wrong horse 42' } },
      anon,
    );
    assert.equal(wrong.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(await hashOf(), old);
    const login = await gql(
      url,
      LOGIN,
      { input: { email: user.email, password: 'correct horse 42' } },
      anon,
    );
    assert.equal(login.errors, undefined, JSON.stringify(login.errors));
    const rehashed = await hashOf();
    assert.equal(bcrypt.getRounds(rehashed), 4, 'the configured cost');
    assert.ok(bcrypt.compareSync('correct horse 42', rehashed));
  });

  it('signing private keys are sealed at rest; a plaintext row from before is readable, then sealed', async () => {
    const rows = await query<{ private_jwk: string }>('select private_jwk from signing_keys');
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.match(row.private_jwk, /^v1\./);
      assert.doesNotMatch(row.private_jwk, /"d"|kty/);
    }
    // a key written before encryption at rest: plaintext JWK, the only active key
    await query('update signing_keys set retired_at = ? where retired_at is null', [new Date()]);
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `plain-${crypto.randomUUID()}`;
    const meta = { kid, alg: 'RS256', use: 'sig' };
    const plaintext = JSON.stringify({ ...(await exportJWK(privateKey)), ...meta });
    await query(
      'insert into signing_keys (kid, private_jwk, public_jwk, created_at) values (?, ?, ?, ?)',
      [kid, plaintext, JSON.stringify({ ...(await exportJWK(publicKey)), ...meta }), new Date()],
    );
    const replica = () =>
      new SigningKeysService(app.orm.em, {
        accessTokenTtlSeconds: 900,
        encryption: new KeyEncryption(kek),
      });
    const signWith = async (keys: SigningKeysService) => {
      const active = await keys.active();
      assert.equal(active.kid, kid);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid })
        .sign(active.key);
      await jwtVerify(token, await importJWK(await exportJWK(publicKey), 'RS256'));
    };
    await signWith(replica());
    assert.equal(await app.keys.sealKeys(), 1);
    assert.equal(await app.keys.sealKeys(), 0);
    const [sealed] = await query<{ private_jwk: string }>(
      'select private_jwk from signing_keys where kid = ?',
      [kid],
    );
    assert.match(sealed!.private_jwk, /^v1\./);
    await signWith(replica());
    // another KEK cannot open it
    const wrongKek = new SigningKeysService(app.orm.em, {
      accessTokenTtlSeconds: 900,
      encryption: new KeyEncryption(randomBytes(32)),
    });
    await assert.rejects(wrongKek.active(), /another SIGNING_KEY_ENCRYPTION_KEY/);
    // a KEK change: with the old KEK as previous, keys still open and are re-sealed with the new
    const newKek = randomBytes(32);
    const changing = new SigningKeysService(app.orm.em, {
      accessTokenTtlSeconds: 900,
      encryption: new KeyEncryption(newKek, [kek]),
    });
    assert.equal((await changing.active()).kid, kid);
    assert.equal(await changing.sealKeys(), rows.length + 1);
    const changed = new SigningKeysService(app.orm.em, {
      accessTokenTtlSeconds: 900,
      encryption: new KeyEncryption(newKek),
    });
    assert.equal((await changed.active()).kid, kid);
    // and back, for the tests that follow (the app runs with `kek`)
    const back = new SigningKeysService(app.orm.em, {
      accessTokenTtlSeconds: 900,
      encryption: new KeyEncryption(kek, [newKek]),
    });
    assert.equal(await back.sealKeys(), rows.length + 1);
  });

  it('emergency revocation: the key leaves the JWKS at once, a new key signs; admin only, idempotent', async () => {
    const before = await register();
    const leaked = decodeProtectedHeader(before.accessToken).kid!;
    assert.ok((await jwks()).keys.some((k) => k.kid === leaked));
    const revoke = (kid: string, proof: string) =>
      gql<{ revokeSigningKey: string }>(
        url,
        'mutation ($kid: ID!) { revokeSigningKey(kid: $kid) }',
        { kid },
        proof,
      );
    const customer = await mintProof({ sub: before.user.id, roles: ['customer'] });
    assert.equal((await revoke(leaked, customer)).errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const admin = await mintProof({ sub: crypto.randomUUID(), roles: ['admin'] });
    const revoked = await revoke(leaked, admin);
    assert.equal(revoked.errors, undefined, JSON.stringify(revoked.errors));
    const successor = revoked.data!.revokeSigningKey;
    assert.notEqual(successor, leaked);
    // out of the JWKS at once, though tokens it signed have not expired
    const kids = (await jwks()).keys.map((k) => k.kid);
    assert.ok(!kids.includes(leaked), JSON.stringify(kids));
    assert.ok(kids.includes(successor));
    await assert.rejects(verifyAccess(before.accessToken));
    // the next login signs with the successor
    const after = await gql<{ login: Auth }>(
      url,
      LOGIN,
      { input: { email: before.email, password: 'correct horse 42' } },
      anon,
    );
    assert.equal(decodeProtectedHeader(after.data!.login.accessToken).kid, successor);
    // again: no second successor; an unknown kid is NOT_FOUND
    assert.equal((await revoke(leaked, admin)).data?.revokeSigningKey, successor);
    assert.equal((await revoke('no-such-kid', admin)).errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  it('serves health, readiness and metrics on the same port', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /http_request_duration_seconds/);
  });
});
