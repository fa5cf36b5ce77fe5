import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('shop-sagas bin', () => {
  it('runs when started through the node_modules/.bin symlink', () => {
    const bin = path.join(repoRoot, 'node_modules', '.bin', 'shop-sagas');
    const res = spawnSync(process.execPath, [bin, 'no-such-command'], { encoding: 'utf8' });
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stdout, /^usage: shop-sagas/);
  });
});
