import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { spawnNode } from './child-process.js';
import { startService } from './start-service.js';

const dir = mkdtempSync(path.join(tmpdir(), 'start-service-spec-'));
const script = (name: string, source: string): string => {
  const file = path.join(dir, `${name}.mjs`);
  writeFileSync(file, source);
  return file;
};

const SERVER = script(
  'server',
  `import { createServer } from 'node:http';
console.log(JSON.stringify({ msg: 'env', keys: Object.keys(process.env) }));
console.log('not json');
const server = createServer((_req, res) => res.end('ok'));
server.listen(Number(process.env.PORT), process.env.HOST, () => {
  console.log(JSON.stringify({ msg: 'listening', port: server.address().port }));
});
// A SIGTERM listener replaces the default exit; IGNORE_SIGTERM=1 plays a service that hangs on it.
process.on('SIGTERM', () => { if (process.env.IGNORE_SIGTERM !== '1') server.close(); });`,
);

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

after(() => rmSync(dir, { recursive: true, force: true }));

describe('startService', () => {
  it('resolves once the service logs listening, with its port, url and parsed log', async () => {
    process.env.START_SERVICE_SPEC_LEAK = 'from the shell';
    const service = await startService('server', SERVER, { EXTRA: '1' });
    try {
      assert.equal(service.url, `http://127.0.0.1:${service.port}`);
      assert.equal(await (await fetch(service.url)).text(), 'ok');
      const keys = service.logs.find((l) => l.msg === 'env')?.keys as string[];
      assert.ok(keys.includes('EXTRA') && keys.includes('PATH'));
      assert.ok(!keys.includes('START_SERVICE_SPEC_LEAK'), 'isolated from the test env');
      assert.equal(service.logs.at(-1)?.msg, 'listening');
      assert.ok(service.child.lines.includes('not json'));
      assert.ok(!service.logs.some((l) => JSON.stringify(l).includes('not json')));
    } finally {
      await service.stop();
      delete process.env.START_SERVICE_SPEC_LEAK;
    }
    assert.equal(service.child.proc.signalCode ?? service.child.proc.exitCode, 0);
  });

  it('passes the test env through when inheritEnv is set', async () => {
    process.env.START_SERVICE_SPEC_LEAK = 'from the shell';
    const service = await startService('server', SERVER, {}, { inheritEnv: true });
    delete process.env.START_SERVICE_SPEC_LEAK;
    await service.stop();
    const keys = service.logs.find((l) => l.msg === 'env')?.keys as string[];
    assert.ok(keys.includes('START_SERVICE_SPEC_LEAK'));
  });

  it('stop() kills with SIGKILL a service that ignores SIGTERM for graceMs', async () => {
    const service = await startService('stubborn', SERVER, { IGNORE_SIGTERM: '1' });
    const t0 = Date.now();
    await service.stop(300);
    assert.equal(service.child.proc.signalCode, 'SIGKILL');
    assert.ok(Date.now() - t0 >= 250);
  });

  it('rejects with the stderr tail and last lines when the service exits before listening', async () => {
    const crash = script(
      'crash',
      `console.log(JSON.stringify({ msg: 'config loaded' }));
console.error('Error: MYSQL_URL is required');
process.exit(3);`,
    );
    await assert.rejects(startService('crasher', crash, {}), (err: Error) => {
      assert.match(
        err.message,
        /^crasher \(.*crash\.mjs\) exited \(3\) before logging "listening"/,
      );
      assert.match(err.message, /MYSQL_URL is required/);
      assert.match(err.message, /config loaded/);
      return true;
    });
  });

  it('rejects after timeoutMs and stops a service that never listens', async () => {
    const hang = script(
      'hang',
      `console.log(JSON.stringify({ msg: 'pid', pid: process.pid }));
setInterval(() => undefined, 1000);`,
    );
    let pid = 0;
    await assert.rejects(startService('hanger', hang, {}, { timeoutMs: 500 }), (err: Error) => {
      assert.match(err.message, /hanger .* did not log "listening" within 500 ms/);
      pid = Number(/"pid":(\d+)/.exec(err.message)?.[1]);
      return true;
    });
    assert.ok(pid > 0);
    assert.equal(isRunning(pid), false);
  });
});

describe('Child.waitForLine', () => {
  it('sees a line printed just before exit, and rejects once the child is gone without it', async () => {
    const last = script('last-words', `console.log('done'); process.exit(0);`);
    const child = spawnNode(last, {});
    assert.equal(await child.waitForLine('done'), 'done');
    await assert.rejects(child.waitForLine('never'), /child exited \(0\) before printing "never"/);
  });
});
