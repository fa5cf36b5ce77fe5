import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitUntil } from '@shop/testing';
import mysql from 'mysql2/promise';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';
const USER = 'shop';
const PASSWORD = 'private';

/**
 * A private MariaDB server for tests that stop and start the database: its own port, data
 * directory and socket; the stack's server is never touched (other tests keep running on it).
 */
export class PrivateMariaDb {
  private proc: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** A server URL (no database). */
  get url(): string {
    return `mysql://${USER}:${PASSWORD}@127.0.0.1:${this.port}`;
  }

  static async create(): Promise<PrivateMariaDb> {
    const dir = mkdtempSync(path.join(tmpdir(), 'shop-private-mariadb-'));
    const res = spawnSync(
      INSTALL_DB,
      [
        '--no-defaults',
        `--datadir=${path.join(dir, 'data')}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      ],
      { encoding: 'utf8' },
    );
    if (res.status !== 0) throw new Error(`mariadb-install-db failed: ${res.stderr}`);
    return new PrivateMariaDb(await freePort(), dir);
  }

  /** Starts the server and waits until the test user can connect. */
  async start(): Promise<void> {
    const proc = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${path.join(this.dir, 'data')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${path.join(this.dir, 'mariadb.sock')}`,
        `--pid-file=${path.join(this.dir, 'mariadb.pid')}`,
        '--skip-name-resolve',
        '--character-set-server=utf8mb4',
        '--innodb-buffer-pool-size=32M',
        '--innodb-flush-log-at-trx-commit=2',
        ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      ],
      { stdio: 'ignore' },
    );
    this.proc = proc;
    live.add(proc);
    proc.on('exit', () => live.delete(proc));
    await waitUntil(() => this.setUp(), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'private mariadb',
    });
  }

  private async setUp(): Promise<boolean> {
    try {
      const conn = await mysql.createConnection({
        socketPath: path.join(this.dir, 'mariadb.sock'),
        user: 'root',
        connectTimeout: 1000,
      });
      try {
        for (const host of ['127.0.0.1', 'localhost']) {
          await conn.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [USER, host, PASSWORD]);
          await conn.query('GRANT ALL PRIVILEGES ON *.* TO ?@?', [USER, host]);
        }
      } finally {
        await conn.end();
      }
      return true;
    } catch {
      return false;
    }
  }

  /** Creates a database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const conn = await mysql.createConnection(this.url);
    try {
      await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
    } finally {
      await conn.end();
    }
    return `${this.url}/${name}`;
  }

  /** Shuts the server down (SIGTERM; SIGKILL after 20 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
