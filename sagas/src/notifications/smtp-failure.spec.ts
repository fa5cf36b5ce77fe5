import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySmtpFailure } from './smtp-failure.js';

describe('classifySmtpFailure', () => {
  const cases: [string, unknown, 'permanent' | 'transient', boolean][] = [
    [
      'recipient rejected (550 on RCPT TO)',
      { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 no such user' },
      'permanent',
      false,
    ],
    [
      'message refused (554 after DATA)',
      { code: 'EMESSAGE', responseCode: 554, command: 'DATA', response: '554 spam' },
      'permanent',
      false,
    ],
    [
      'mailbox busy (451 on RCPT TO)',
      { code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' },
      'transient',
      false,
    ],
    [
      'sender refused (553 on MAIL FROM): the relay config, not this email',
      { code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' },
      'transient',
      false,
    ],
    [
      'login refused (535)',
      { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' },
      'transient',
      false,
    ],
    [
      'connection refused',
      { code: 'ESOCKET', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:1' },
      'transient',
      false,
    ],
    ['greeting never came', { code: 'ETIMEDOUT', command: 'CONN' }, 'transient', false],
    [
      'socket dropped mid-transaction',
      { code: 'ESOCKET', message: 'socket hang up' },
      'transient',
      true,
    ],
    ['our own deadline', new Error('SMTP send exceeded 8000 ms'), 'transient', true],
  ];
  for (const [what, err, kind, mayHaveDelivered] of cases)
    it(what, () => {
      const failure = classifySmtpFailure(err);
      assert.equal(failure.kind, kind);
      assert.equal(failure.mayHaveDelivered, mayHaveDelivered);
      assert.ok(failure.summary.length > 0);
    });
});
