import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { STACK_HOST } from '../config.ts';
import { startDaemon } from '../daemon.ts';
import { ensureDebianPackages } from '../run.ts';
import { logFileOf, pidFileOf, waitFor, type StackServer } from '../server.ts';

const REDIS_SERVER = '/usr/bin/redis-server';

export const redis: StackServer = {
  name: 'redis',
  startTimeoutMs: 20_000,
  url: (cfg) => `redis://${STACK_HOST}:${cfg.redis.port}`,

  async install() {
    await ensureDebianPackages(REDIS_SERVER, ['redis-server'], 'for Redis');
  },

  async start(cfg) {
    const dir = path.join(cfg.dataDir, 'redis');
    mkdirSync(dir, { recursive: true });
    startDaemon({
      command: REDIS_SERVER,
      args: [
        '--port',
        String(cfg.redis.port),
        '--bind',
        STACK_HOST,
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--daemonize',
        'no',
        '--logfile',
        '',
      ],
      logFile: logFileOf(cfg, 'redis'),
      pidFile: pidFileOf(cfg, 'redis'),
    });
  },

  async waitReady(cfg, deadline) {
    await waitFor(cfg, 'redis', deadline, () => this.probe(cfg));
  },

  async probe(cfg) {
    const client = new Redis({
      host: STACK_HOST,
      port: cfg.redis.port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.set('stack:probe', 'ok', 'EX', 60);
      if ((await client.get('stack:probe')) !== 'ok') throw new Error('SET/GET round trip failed');
    } finally {
      client.disconnect();
    }
  },
};
