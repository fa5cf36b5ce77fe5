import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadStackConfig } from '../src/config.ts';
import { kafkaNode } from '../src/servers/kafka.ts';

// Needs a JDK and the Kafka jars the stack caches (`npm run stack -- up` fetched them).
describe('kafkaNode', () => {
  it("formats storage with a cluster id that starts with '-' (1 in 64 random ids do)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shop-kafka-node-'));
    try {
      const node = await kafkaNode(loadStackConfig(), {
        confDir: dir,
        dataDir: path.join(dir, 'data'),
        port: 19_093,
        controllerPort: 19_094,
        clusterId: '-AbCdEfGhIjKlMnOpQrStUw',
      });
      const meta = path.join(node.logDirs, 'meta.properties');
      assert.ok(existsSync(meta));
      assert.match(readFileSync(meta, 'utf8'), /cluster\.id=-AbCdEfGhIjKlMnOpQrStUw/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
