import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const cli = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'src',
  'cli',
  'sagas-cli.js',
);

describe('shop-sagas bin', () => {
  // npm installs a bin as a symlink (node_modules/.bin/shop-sagas → the CLI); the CLI must run
  // when started through one, not only by its real path. The test makes its own link: npm links a
  // workspace's bin only if its target was already built when it installed.
  it('runs when started through a symlink, as node_modules/.bin starts it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shop-sagas-bin-'));
    try {
      const bin = path.join(dir, 'shop-sagas');
      symlinkSync(cli, bin);
      const res = spawnSync(process.execPath, [bin, 'no-such-command'], { encoding: 'utf8' });
      assert.equal(res.status, 2, res.stderr);
      assert.match(res.stdout, /^usage: shop-sagas/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
