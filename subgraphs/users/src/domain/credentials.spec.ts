import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  emailProblem,
  needsRehash,
  normalizeEmail,
  passwordProblem,
  registrationProblems,
} from './credentials.js';

describe('credentials rules', () => {
  it('accepts a plain address and normalizes case and spaces', () => {
    assert.equal(emailProblem(' Ada@Example.com '), undefined);
    assert.equal(normalizeEmail(' Ada@Example.com '), 'ada@example.com');
  });
  it('refuses malformed addresses', () => {
    for (const bad of ['', 'ada', 'ada@', 'ada@example', 'a da@example.com'])
      assert.equal(emailProblem(bad)?.field, 'email', bad);
  });
  it('refuses short, letter-only and over-72-byte passwords', () => {
    assert.ok(passwordProblem('short1'));
    assert.ok(passwordProblem('onlyletterslong'));
    assert.ok(passwordProblem(`${'é'.repeat(40)}1`));
    assert.equal(passwordProblem('correct horse 42'), undefined);
  });
  it('reports every problem at once', () => {
    assert.deepEqual(
      registrationProblems({ email: 'x', password: 'y' }).map((p) => p.field),
      ['email', 'password'],
    );
  });
});

describe('needsRehash', () => {
  it('rehashes when the cost differs either way, or cannot be read', () => {
    assert.equal(needsRehash(12, 12), false);
    assert.equal(needsRehash(10, 12), true);
    assert.equal(needsRehash(13, 12), true);
    assert.equal(needsRehash(undefined, 12), true);
  });
});
