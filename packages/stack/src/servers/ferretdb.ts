import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { STACK_HOST, type StackConfig } from '../config.ts';
import { startDaemon } from '../daemon.ts';
import { requireTool, run } from '../run.ts';
import { logFileOf, pidFileOf, waitFor, type StackServer } from '../server.ts';

const MODULE = 'github.com/FerretDB/FerretDB';
const home = (cfg: StackConfig): string =>
  path.join(cfg.cacheDir, `ferretdb-${cfg.ferretdb.version}`);
const binary = (cfg: StackConfig): string => path.join(home(cfg), 'ferretdb');

export const ferretdb: StackServer = {
  name: 'ferretdb',
  startTimeoutMs: 30_000,
  url: (cfg) => `mongodb://${STACK_HOST}:${cfg.ferretdb.port}`,

  /**
   * Builds FerretDB from the Go module proxy. The module as published lacks the generated
   * build/version/version.txt that its init() insists on, so we build a writable copy of the
   * module source with that file written in. Checkouts on one machine share the cache and may
   * install at once: each builds in a source copy of its own and renames its binary into place
   * (atomic), so a half-written binary or a source tree another build is deleting is never used.
   */
  async install(cfg) {
    if (existsSync(binary(cfg))) return;
    const go = requireTool(
      'go',
      'to build FerretDB',
      'install Go 1.22+ (https://go.dev/doc/install or Debian golang)',
    );
    const { version } = cfg.ferretdb;
    const scratch = path.join(home(cfg), 'mod');
    const src = path.join(home(cfg), `src-${process.pid}`);
    mkdirSync(scratch, { recursive: true });
    const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
    if (!existsSync(path.join(scratch, 'go.mod')))
      await run(go, ['mod', 'init', 'shop.stack/ferretdb'], {
        cwd: scratch,
        env,
        what: 'go mod init',
      });
    await run(go, ['get', '-tool', `${MODULE}/cmd/ferretdb@${version}`], {
      cwd: scratch,
      env,
      what: `go get FerretDB ${version}`,
    });
    const moduleDir = (
      await run(go, ['list', '-m', '-f', '{{.Dir}}', MODULE], {
        cwd: scratch,
        env,
        what: 'go list',
      })
    ).trim();
    rmSync(src, { recursive: true, force: true });
    cpSync(moduleDir, src, { recursive: true });
    chmodSync(src, 0o755);
    await run('chmod', ['-R', 'u+w', src], { what: 'chmod FerretDB source' });
    writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${version}\n`);
    const built = `${binary(cfg)}.${process.pid}`;
    await run(go, ['build', '-o', built, './cmd/ferretdb'], {
      cwd: src,
      env,
      what: 'go build ferretdb',
    });
    renameSync(built, binary(cfg));
    rmSync(src, { recursive: true, force: true });
  },

  async start(cfg) {
    const data = path.join(cfg.dataDir, 'ferretdb');
    const state = path.join(cfg.dataDir, 'ferretdb-state');
    mkdirSync(data, { recursive: true });
    mkdirSync(state, { recursive: true });
    startDaemon({
      command: binary(cfg),
      args: [
        '--handler=sqlite',
        `--sqlite-url=file:${data}/`,
        `--listen-addr=${STACK_HOST}:${cfg.ferretdb.port}`,
        `--state-dir=${state}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=warn',
      ],
      logFile: logFileOf(cfg, 'ferretdb'),
      pidFile: pidFileOf(cfg, 'ferretdb'),
    });
  },

  async waitReady(cfg, deadline) {
    await waitFor(cfg, 'ferretdb', deadline, () => this.probe(cfg));
  },

  async probe(cfg) {
    const client = new MongoClient(this.url(cfg), {
      serverSelectionTimeoutMS: 2000,
      connectTimeoutMS: 2000,
    });
    try {
      await client.connect();
      const res = await client.db('stack_probe').command({ ping: 1 });
      if (res.ok !== 1) throw new Error('ping did not return ok');
    } finally {
      await client.close();
    }
  },
};
