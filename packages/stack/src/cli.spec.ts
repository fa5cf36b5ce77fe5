import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

const cli = path.join(import.meta.dirname, 'cli.js');

/** Runs the stack CLI against an empty stack dir and cache, with the given PATH. */
function runCli(
  args: string[],
  pathVar: string,
): { status: number | null; stdout: string; stderr: string } {
  const scratch = mkdtempSync(path.join(tmpdir(), 'stack-cli-'));
  const res = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: {
      PATH: pathVar,
      SHOP_STACK_DIR: path.join(scratch, 'stack'),
      SHOP_STACK_CACHE: path.join(scratch, 'cache'),
      STACK_KAFKA_PORT: '29093',
      STACK_KAFKA_CONTROLLER_PORT: '29094',
    },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('stack CLI', () => {
  it('names a missing prerequisite in one clear line instead of a stack trace', () => {
    // Only Node's own directory on PATH: no java, no mvn.
    const res = runCli(['up', 'kafka'], path.dirname(process.execPath));
    assert.equal(res.status, 1);
    const lines = res.stderr.trim().split('\n');
    assert.match(
      lines[0] ?? '',
      /^stack: java not found on PATH \(needed to run Kafka\); install a JDK/,
    );
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  });

  it('rejects an unknown server or command', () => {
    assert.match(runCli(['up', 'postgres'], '/usr/bin').stderr, /unknown server "postgres"/);
    assert.equal(runCli(['launch'], '/usr/bin').status, 2);
  });

  it('status reports stopped servers and exits non-zero', () => {
    const res = runCli(['status'], '/usr/bin');
    assert.equal(res.status, 3);
    assert.match(res.stdout, /^kafka\s+-\s+kafka:\/\/127\.0\.0\.1:29093\s+stopped$/m);
  });
});
