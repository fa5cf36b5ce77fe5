import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { groupAlive, PidFile, startDaemon } from './daemon.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'stack-daemon-'));

describe('daemons and pid files', () => {
  it('starts a detached process, sees it alive and stops its whole process group', async () => {
    const pidFile = new PidFile(path.join(dir, 'sleeper.pid'));
    // A shell that starts a grandchild: stop() must take both down.
    const pid = startDaemon({
      command: 'sh',
      args: ['-c', 'sleep 300 & wait'],
      logFile: path.join(dir, 'sleeper.log'),
      pidFile,
    });
    assert.equal(pidFile.alive()?.pid, pid);
    assert.equal(groupAlive(pid), true);
    assert.equal(await pidFile.stop(5000), true);
    // The leader is our own child and may linger as a zombie until Node reaps it; nothing may run.
    assert.equal(groupAlive(pid), false);
    assert.equal(pidFile.alive(), undefined);
    assert.equal(await pidFile.stop(5000), false, 'a second stop finds nothing to stop');
  });

  it('never trusts a recycled pid: a record whose start time differs is stale', () => {
    const pidFile = new PidFile(path.join(dir, 'stale.pid'));
    // Our own pid with a wrong start time stands for "same pid, different process".
    writeFileSync(pidFile.file, JSON.stringify({ pid: process.pid, startTicks: '1' }));
    assert.equal(pidFile.alive(), undefined);
    assert.throws(() => readFileSync(pidFile.file), /ENOENT/);
  });
});
