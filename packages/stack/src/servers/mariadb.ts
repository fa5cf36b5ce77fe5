import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { STACK_HOST, type StackConfig } from '../config.ts';
import { startDaemon } from '../daemon.ts';
import { ensureDebianPackages, isRoot, run } from '../run.ts';
import { logFileOf, pidFileOf, waitFor, type StackServer } from '../server.ts';

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';
const socketOf = (cfg: StackConfig): string => path.join(cfg.runDir, 'mariadb.sock');
const dataOf = (cfg: StackConfig): string => path.join(cfg.dataDir, 'mariadb');

async function asRoot<T>(cfg: StackConfig, work: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({
    socketPath: socketOf(cfg),
    user: 'root',
    connectTimeout: 2000,
  });
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}

export const mariadb: StackServer = {
  name: 'mariadb',
  startTimeoutMs: 60_000,
  url: (cfg) => `mysql://${cfg.mariadb.user}:***@${STACK_HOST}:${cfg.mariadb.port}`,

  async install() {
    await ensureDebianPackages(MARIADBD, ['mariadb-server', 'mariadb-client'], 'for MariaDB');
  },

  async start(cfg) {
    const datadir = dataOf(cfg);
    const userArgs = isRoot() ? ['--user=root'] : [];
    if (!existsSync(path.join(datadir, 'mysql'))) {
      mkdirSync(datadir, { recursive: true });
      await run(
        INSTALL_DB,
        [
          '--no-defaults',
          `--datadir=${datadir}`,
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
          ...userArgs,
        ],
        {
          what: 'mariadb-install-db',
        },
      );
    }
    mkdirSync(cfg.runDir, { recursive: true });
    startDaemon({
      command: MARIADBD,
      args: [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--port=${cfg.mariadb.port}`,
        `--bind-address=${STACK_HOST}`,
        `--socket=${socketOf(cfg)}`,
        `--pid-file=${path.join(cfg.runDir, 'mariadbd.own.pid')}`,
        '--skip-name-resolve',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
        '--max-connections=500',
        '--innodb-buffer-pool-size=256M',
        '--innodb-flush-log-at-trx-commit=2',
        ...userArgs,
      ],
      logFile: logFileOf(cfg, 'mariadb'),
      pidFile: pidFileOf(cfg, 'mariadb'),
    });
  },

  async waitReady(cfg, deadline) {
    await waitFor(cfg, 'mariadb', deadline, () =>
      asRoot(cfg, (c) => c.query('SELECT 1').then(() => undefined)),
    );
    const { user, password, databases } = cfg.mariadb;
    await asRoot(cfg, async (c) => {
      for (const host of ['127.0.0.1', 'localhost']) {
        await c.query(`CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?`, [user, host, password]);
        await c.query(`GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION`, [user, host]);
      }
      for (const db of databases) await c.query(`CREATE DATABASE IF NOT EXISTS \`${db}\``);
    });
    await this.probe(cfg);
  },

  async probe(cfg) {
    const conn = await mysql.createConnection({
      host: STACK_HOST,
      port: cfg.mariadb.port,
      user: cfg.mariadb.user,
      password: cfg.mariadb.password,
      connectTimeout: 2000,
    });
    try {
      const [rows] = await conn.query('SELECT SCHEMA_NAME AS db FROM information_schema.SCHEMATA');
      const present = new Set((rows as { db: string }[]).map((r) => r.db));
      const missing = cfg.mariadb.databases.filter((db) => !present.has(db));
      if (missing.length > 0) throw new Error(`databases missing: ${missing.join(', ')}`);
    } finally {
      await conn.end();
    }
  },
};
