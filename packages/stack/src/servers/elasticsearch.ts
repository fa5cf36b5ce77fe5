import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STACK_HOST, type StackConfig } from '../config.ts';
import { startDaemon } from '../daemon.ts';
import { StackError } from '../errors.ts';
import { isRoot, requireTool, run, which } from '../run.ts';
import { logFileOf, pidFileOf, waitFor, withTimeout, type StackServer } from '../server.ts';
import { installShopAnalysisPlugin, shopAnalysisHome } from './es-analysis-plugin.ts';
import { findJavaHome } from './java.ts';
import { fetchArtifact } from './maven.ts';

/** Elasticsearch refuses to run as root: as root we run it as this system user. */
const ES_USER = 'shopstack';
const home = (cfg: StackConfig): string =>
  path.join(cfg.cacheDir, `elasticsearch-${cfg.elasticsearch.version}`);
/** The home a node runs from: the pristine one plus our analysis plugin (see shopAnalysisHome). */
const runHome = (cfg: StackConfig): string =>
  shopAnalysisHome({
    esHome: home(cfg),
    esVersion: cfg.elasticsearch.version,
    sourceDir: pluginSources(cfg),
  });
const pluginSources = (cfg: StackConfig): string =>
  path.join(cfg.repoRoot, 'packages', 'stack', 'es-analysis');
const javaHome = (cfg: StackConfig): string =>
  findJavaHome(21, cfg.elasticsearch.javaHome, 'by Elasticsearch 9');

async function ensureUser(): Promise<void> {
  try {
    await run('id', ['-u', ES_USER], { what: 'id' });
  } catch {
    await run(
      'useradd',
      ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ES_USER],
      { what: `useradd ${ES_USER}` },
    );
  }
}

/** Fetches the integ-test zip from Maven Central and unpacks it into `dir`. */
async function unpack(cfg: StackConfig, dir: string, marker: string): Promise<void> {
  const unzip = requireTool(
    'unzip',
    'to unpack Elasticsearch',
    'install it (Debian: apt-get install unzip)',
  );
  const { version } = cfg.elasticsearch;
  const zip = await fetchArtifact(
    path.join(cfg.cacheDir, 'downloads'),
    'org.elasticsearch.distribution.integ-test-zip',
    'elasticsearch',
    version,
    'zip',
  );
  await run(unzip, ['-q', '-o', zip, '-d', cfg.cacheDir], { what: 'unzip elasticsearch' });
  if (!existsSync(path.join(dir, 'bin', 'elasticsearch')))
    throw new StackError(`unpacked Elasticsearch has no ${dir}/bin/elasticsearch`);
  writeFileSync(marker, new Date().toISOString());
}

export const elasticsearch: StackServer = {
  name: 'elasticsearch',
  startTimeoutMs: 180_000,
  url: (cfg) => `http://${STACK_HOST}:${cfg.elasticsearch.port}`,

  async install(cfg) {
    javaHome(cfg);
    const dir = home(cfg);
    const marker = path.join(dir, '.complete');
    if (!existsSync(marker)) await unpack(cfg, dir, marker);
    await installShopAnalysisPlugin({
      esHome: dir,
      esVersion: cfg.elasticsearch.version,
      javaHome: javaHome(cfg),
      sourceDir: pluginSources(cfg),
    });
  },

  async start(cfg) {
    const es = cfg.elasticsearch;
    const conf = path.join(cfg.confDir, 'elasticsearch');
    const data = path.join(cfg.dataDir, 'elasticsearch');
    const logs = path.join(cfg.logDir, 'elasticsearch');
    const tmp = path.join(cfg.stackDir, 'tmp', 'elasticsearch');
    for (const d of [conf, data, logs, tmp]) mkdirSync(d, { recursive: true });
    if (!existsSync(path.join(conf, 'jvm.options')))
      cpSync(path.join(home(cfg), 'config'), conf, { recursive: true });
    writeFileSync(
      path.join(conf, 'elasticsearch.yml'),
      [
        'cluster.name: shop-stack',
        'node.name: shop-stack-1',
        `path.data: ${data}`,
        `path.logs: ${logs}`,
        `network.host: ${STACK_HOST}`,
        `http.port: ${es.port}`,
        `transport.port: ${es.transportPort}`,
        'discovery.type: single-node',
        'action.destructive_requires_name: false',
        'cluster.routing.allocation.disk.threshold_enabled: false',
        // A loopback dev node: no TLS, no auth (and no security auto-configuration on first start).
        'xpack.security.enabled: false',
        'xpack.security.enrollment.enabled: false',
        '',
      ].join('\n'),
    );
    const env = {
      ...process.env,
      ES_JAVA_HOME: javaHome(cfg),
      ES_PATH_CONF: conf,
      ES_TMPDIR: tmp,
      ES_JAVA_OPTS: `-Xms${es.heap} -Xmx${es.heap}`,
    };
    const bin = path.join(runHome(cfg), 'bin', 'elasticsearch');
    let command = bin;
    let args: string[] = [];
    if (isRoot()) {
      await ensureUser();
      await run('chown', ['-R', `${ES_USER}:${ES_USER}`, conf, data, logs, tmp], {
        what: 'chown elasticsearch dirs',
      });
      const setpriv =
        which('setpriv') ??
        requireTool('setpriv', 'to run Elasticsearch as a non-root user', 'install util-linux');
      try {
        await run(
          setpriv,
          [
            '--reuid',
            ES_USER,
            '--regid',
            ES_USER,
            '--clear-groups',
            'test',
            '-x',
            bin,
            '-a',
            '-w',
            data,
          ],
          { what: 'access check', env },
        );
      } catch {
        throw new StackError(
          `user ${ES_USER} cannot reach ${bin} or write ${data}; put the repo and SHOP_STACK_CACHE where other users can traverse`,
        );
      }
      command = setpriv;
      args = ['--reuid', ES_USER, '--regid', ES_USER, '--clear-groups', bin];
    }
    startDaemon({
      command,
      args,
      env,
      logFile: logFileOf(cfg, 'elasticsearch'),
      pidFile: pidFileOf(cfg, 'elasticsearch'),
    });
  },

  /** A node started from another home predates the plugin sources of this checkout. */
  async outdated(cfg) {
    const res = await withTimeout(
      10_000,
      'elasticsearch',
      fetch(`${this.url(cfg)}/_nodes/_local/settings?filter_path=nodes.*.settings.path.home`),
    );
    const body = (await res.json()) as {
      nodes?: Record<string, { settings?: { path?: { home?: string } } }>;
    };
    const running = Object.values(body.nodes ?? {})[0]?.settings?.path?.home;
    const wanted = runHome(cfg);
    return running === wanted
      ? undefined
      : `runs from ${running ?? 'an unknown home'}, the analysis plugin sources want ${wanted}`;
  },

  async waitReady(cfg, deadline) {
    await waitFor(cfg, 'elasticsearch', deadline, () => this.probe(cfg));
  },

  async probe(cfg) {
    const res = await withTimeout(
      5000,
      'elasticsearch',
      fetch(`${this.url(cfg)}/_cluster/health?wait_for_status=yellow&timeout=2s`),
    );
    const body = (await res.json()) as { status?: string };
    if (!res.ok || (body.status !== 'green' && body.status !== 'yellow')) {
      throw new Error(`cluster health ${res.status} ${body.status ?? ''}`);
    }
  },
};
