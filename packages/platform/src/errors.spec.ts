import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadUserInputError } from './errors.js';

describe('BadUserInputError.fromProblems', () => {
  it('names every bad field in the message and lists them in the details', () => {
    const err = BadUserInputError.fromProblems([
      { field: 'email', message: 'is not an email address' },
      { field: 'password', message: 'must be at least 12 characters' },
    ]);
    assert.equal(err.code, 'BAD_USER_INPUT');
    assert.equal(
      err.message,
      'email is not an email address; password must be at least 12 characters',
    );
    assert.deepEqual(
      (err.details.fields as { field: string }[]).map((f) => f.field),
      ['email', 'password'],
    );
  });
});
