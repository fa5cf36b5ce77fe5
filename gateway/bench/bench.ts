// `npm run bench -w gateway`: this gateway (JWT auth, proof signing, @rateLimit in Redis, limits)
// vs a bare @apollo/gateway + @apollo/server (with Apollo's and with our subgraph client) vs Hive
// Gateway (JavaScript planner, and Hive Router's Rust planner through @graphql-hive/router-runtime),
// each in its own process, over the same four subgraphs and supergraph, on loopback, with two
// queries: a shallow one and a deep one shaped like The Guild's gateway benchmark. Runs are
// interleaved and repeated; the tables show medians. Not a test: it prints figures and asserts
// nothing about time.
//   BENCH_DURATION_S (6) BENCH_ROUNDS (5) BENCH_CONNECTIONS (16) BENCH_WARMUP_S (3)
//   BENCH_QUERIES (shallow,deep) BENCH_PROFILE=<dir>
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { freePort, startService, stackEnv, type RunningService } from '@shop/testing';
import { parse, print } from 'graphql';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Pool } from 'undici';
import { forApolloGateway } from '../src/supergraph.js';
import { gatewayDir, repoRoot } from '../test/harness.js';
import {
  BENCH_QUERY,
  BENCH_SUBGRAPHS,
  DEEP_QUERY,
  type BenchSubgraphName,
} from './bench-subgraphs.js';
import { median, percentile } from './stats.js';

const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const DURATION_S = num('BENCH_DURATION_S', 6);
const ROUNDS = num('BENCH_ROUNDS', 5);
const CONNECTIONS = num('BENCH_CONNECTIONS', 16);
const WARMUP_S = num('BENCH_WARMUP_S', 3);

interface BenchQuery {
  readonly name: string;
  readonly query: string;
  readonly description: string;
}
const QUERIES: readonly BenchQuery[] = [
  {
    name: 'shallow',
    query: BENCH_QUERY,
    description: `\`${BENCH_QUERY}\` (2 subgraphs, 1 entity fetch)`,
  },
  {
    name: 'deep',
    query: DEEP_QUERY,
    description:
      "`Deep` in `gateway/bench/bench-subgraphs.ts`: `users` and `topProducts`, 8 levels of nested entities across 4 subgraphs with named fragments and a `@requires`, shaped like The Guild's gateway benchmark (about 30 KB per answer)",
  },
].filter((q) => (process.env.BENCH_QUERIES ?? 'shallow,deep').split(',').includes(q.name));

const OURS = 'this gateway';
const BARE = 'bare @apollo/gateway';
const BARE_UNDICI = 'bare + our subgraph client';
const HIVE = 'Hive Gateway (JS planner)';
const HIVE_RUST = 'Hive Gateway + Rust planner (router-runtime)';

interface Target {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

interface RunResult {
  readonly rps: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly failures: number;
  /** Gateway CPU milliseconds per request (user + system). */
  cpuMsPerRequest?: number;
}

/** A closed loop: CONNECTIONS workers each send the next request when the previous one answered. */
async function load(
  url: string,
  headers: Record<string, string>,
  query: string,
  seconds: number,
): Promise<RunResult> {
  const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });
  const body = JSON.stringify({ query });
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const res = await pool.request({
          path: '/graphql',
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200 || text.includes('"errors"')) failures += 1;
      } catch {
        failures += 1;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    rps: latencies.length / elapsed,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    failures,
  };
}

/** Direct children of a process (from every thread's `/proc/<pid>/task/<tid>/children`). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** `value` summed over a process and all its descendants. */
const sumOverTree = (pid: number, value: (p: number) => number): number =>
  value(pid) + childPids(pid).reduce((sum, c) => sum + sumOverTree(c, value), 0);

/** Peak resident set (VmHWM) of a process and its descendants, in MiB. */
function peakRssMiB(pid: number): number {
  const peakKiB = (p: number): number => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  };
  return sumOverTree(pid, peakKiB) / 1024;
}

/** User + system CPU seconds used so far by a process and its descendants. */
function cpuSeconds(pid: number): number {
  const ticks = (p: number): number => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      return 0;
    }
  };
  return sumOverTree(pid, ticks) / 100; // USER_HZ
}

/** Paths of the files a process has mapped (its shared libraries and native addons). */
function loadedLibraries(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/maps`, 'utf8')
      .split('\n')
      .map((l) => l.split(/\s+/)[5] ?? '')
      .filter(Boolean);
  } catch {
    return [];
  }
}

async function waitForGraphQL(
  url: string,
  child: ChildProcess,
  headers: Record<string, string>,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer in time`);
}

/**
 * Hive Gateway's CLI as its docs show it (`hive-gateway supergraph <file>`); with `rustPlanner`,
 * plus `--hive-router-runtime`, which loads `@graphql-hive/router-runtime` (Hive Router's Rust
 * query planner as a native addon shipped inside the npm package `@graphql-hive/router-query-planner`).
 */
async function startHive(
  supergraphPath: string,
  cwd: string,
  rustPlanner: boolean,
): Promise<Target> {
  const port = await freePort();
  const bin = path.join(repoRoot, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
  const child = spawn(
    process.execPath,
    [
      bin,
      'supergraph',
      supergraphPath,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--polling',
      '1h',
      ...(rustPlanner ? ['--hive-router-runtime'] : []),
    ],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForGraphQL(url, child, {});
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  // The CLI falls back to its JavaScript planner, with a warning, when it cannot load the runtime.
  if (rustPlanner && /could not load/i.test(stderr)) {
    child.kill('SIGKILL');
    throw new Error(`Hive Gateway did not load @graphql-hive/router-runtime:\n${stderr}`);
  }
  return {
    name: rustPlanner ? HIVE_RUST : HIVE,
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

const asTarget = (name: string, p: RunningService): Target => ({
  name,
  url: p.url,
  pid: p.child.proc.pid ?? 0,
  stop: () => p.stop(),
});

/**
 * BENCH_PROFILE=<dir>: V8 CPU profiles of this gateway and of "bare + our subgraph client" are
 * written there (`ours.cpuprofile`, `bare-undici.cpuprofile`, overwritten) when they stop, to
 * compare where each spends its time on the same load.
 */
const profiled = (label: string): Record<string, string> =>
  process.env.BENCH_PROFILE
    ? {
        NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE} --cpu-prof-name=${label}.cpuprofile`,
      }
    : {};

/** Starts `gateway/dist/<script>` as a service, from the repository root. */
const startBenchService = (
  name: string,
  script: string,
  env: Record<string, string>,
): Promise<RunningService> =>
  startService(name, path.join(gatewayDir, 'dist', script), env, { cwd: repoRoot });

async function main(): Promise<void> {
  const started: Target[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-bench-'));
  const redisPrefix = `bench:${Date.now().toString(36)}:`;
  const jwksServer = createServer();
  try {
    // subgraphs
    const subgraphs = await startBenchService('bench-subgraphs', 'bench/bench-subgraphs.js', {
      NODE_ENV: 'production',
    });
    started.push(asTarget('subgraphs', subgraphs));
    const line = subgraphs.logs.find((l) => l.msg === 'listening') as Record<
      BenchSubgraphName,
      string
    >;
    const composed = composeServices(
      (Object.keys(BENCH_SUBGRAPHS) as BenchSubgraphName[]).map((name) => ({
        name,
        url: line[name],
        typeDefs: parse(BENCH_SUBGRAPHS[name]),
      })),
    );
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    const supergraphPath = path.join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, composed.supergraphSdl);
    // The bare Apollo gateway refuses `for: SECURITY` links it cannot enforce; it and Hive get the
    // same supergraph with that marker dropped (the directives stay; neither enforces them).
    const plainPath = path.join(dir, 'supergraph-plain.graphql');
    writeFileSync(plainPath, print(forApolloGateway(parse(composed.supergraphSdl))));

    // an issuer for our gateway's JWT check
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
    jwksServer.on('request', (_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    const token = await new SignJWT({ roles: ['customer'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
      .setSubject(crypto.randomUUID())
      .setIssuer('shop-users')
      .setAudience('shop-api')
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(privateKey);
    const headers = { authorization: `Bearer ${token}` };

    const ours = await startBenchService('gateway', 'src/main.js', {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      SUPERGRAPH_PATH: supergraphPath,
      JWKS_URL: jwksUrl,
      REDIS_URL: stackEnv().REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      GATEWAY_PROOF_PRIVATE_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      HTTP_RATE_PER_SECOND: '1000000',
      HTTP_BURST: '1000000',
      OPS_PORT: '0',
      // The deep query's static cost (lists without a page size count 10 each) passes the default
      // 5,000; the walk runs all the same, the limit just never rejects.
      MAX_COST: '1000000',
      ...profiled('ours'),
    });
    started.push(asTarget('this gateway', ours));
    const bare = await startBenchService('bare', 'bench/bare-gateway.js', {
      NODE_ENV: 'production',
      SUPERGRAPH_PATH: plainPath,
    });
    started.push(asTarget('bare @apollo/gateway', bare));
    const bareUndici = await startBenchService('bare-undici', 'bench/bare-gateway.js', {
      NODE_ENV: 'production',
      SUPERGRAPH_PATH: plainPath,
      BARE_FETCHER: 'undici',
      ...profiled('bare-undici'),
    });
    started.push(asTarget('bare + our subgraph client', bareUndici));
    started.push(await startHive(plainPath, dir, false));
    started.push(await startHive(plainPath, dir, true));
    const targets = started.slice(1);

    // same answer everywhere, for every query
    for (const q of QUERIES) {
      const answers = await Promise.all(
        targets.map(async (t) => {
          const res = await fetch(`${t.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify({ query: q.query }),
          });
          const json = (await res.json()) as { data?: unknown; errors?: unknown };
          return JSON.stringify(json.errors ?? json.data);
        }),
      );
      if (new Set(answers).size !== 1 || answers[0] === undefined || answers[0] === 'null')
        throw new Error(
          `gateways disagree on the ${q.name} query:\n${targets.map((t, i) => `${t.name}: ${answers[i]?.slice(0, 300)}`).join('\n')}`,
        );
    }

    for (const q of QUERIES) for (const t of targets) await load(t.url, headers, q.query, WARMUP_S);
    const hiveRust = targets.find((t) => t.name === HIVE_RUST)!;
    if (!loadedLibraries(hiveRust.pid).some((l) => l.includes('hive_router_query_planner')))
      throw new Error('Hive Gateway + Rust planner: the native query planner is not loaded');

    const results = new Map<string, RunResult[]>(
      QUERIES.flatMap((q) => targets.map((t) => [`${q.name}/${t.name}`, []])),
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const q of QUERIES) {
        const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
        for (const t of order) {
          const cpu0 = cpuSeconds(t.pid);
          const r = await load(t.url, headers, q.query, DURATION_S);
          r.cpuMsPerRequest = ((cpuSeconds(t.pid) - cpu0) * 1000) / (r.rps * DURATION_S);
          results.get(`${q.name}/${t.name}`)!.push(r);
          process.stderr.write(
            `round ${round + 1} ${q.name} ${t.name}: ${r.rps.toFixed(0)} req/s p50 ${r.p50.toFixed(2)} p95 ${r.p95.toFixed(2)} p99 ${r.p99.toFixed(2)} ms, cpu ${r.cpuMsPerRequest.toFixed(2)} ms/req, failures ${r.failures}\n`,
          );
        }
      }
    }

    const os = await import('node:os');
    const lines = [
      `${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${DURATION_S}s per query and gateway after ${WARMUP_S}s warm-up, medians; loopback, node ${process.version}, ${os.cpus().length} CPUs shared by load generator, gateways and subgraphs (load average at the end: ${os.loadavg()[0]!.toFixed(1)}).`,
    ];
    const goals: string[] = [];
    for (const q of QUERIES) {
      const rows = targets.map((t) => {
        const rs = results.get(`${q.name}/${t.name}`)!;
        return {
          name: t.name,
          rps: median(rs.map((r) => r.rps)),
          p50: median(rs.map((r) => r.p50)),
          p95: median(rs.map((r) => r.p95)),
          p99: median(rs.map((r) => r.p99)),
          failures: rs.reduce((s, r) => s + r.failures, 0),
          cpu: median(rs.map((r) => r.cpuMsPerRequest ?? NaN)),
          // Median over rounds of this gateway's throughput over the other's in the same round: a
          // ratio taken side by side moves less with the machine's load than either figure.
          rpsVsOurs: median(rs.map((r, i) => results.get(`${q.name}/${OURS}`)![i]!.rps / r.rps)),
        };
      });
      const row = (name: string) => rows.find((r) => r.name === name)!;
      const base = row(BARE);
      lines.push(
        '',
        `**${q.name}** — ${q.description}`,
        '',
        "| gateway | req/s | p50 ms | p95 ms | p99 ms | gateway CPU ms/req | throughput vs bare | p95 vs bare | this gateway's req/s ÷ row's (per-round median) | failed requests |",
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...rows.map(
          (r) =>
            `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpu.toFixed(2)} | ${(r.rps / base.rps).toFixed(2)}x | ${(r.p95 / base.p95).toFixed(2)}x | ${r.rpsVsOurs.toFixed(2)}x | ${r.failures} |`,
        ),
      );
      const ours = row(OURS);
      const fastestHive = [row(HIVE), row(HIVE_RUST)].sort((a, b) => b.rps - a.rps)[0]!;
      const bareUndici = row(BARE_UNDICI);
      const verdict = (ratio: number, goal: number): string =>
        `${ratio.toFixed(2)}x (goal >= ${goal.toFixed(2)}x: ${ratio >= goal ? 'met' : 'MISSED'})`;
      goals.push(
        `| ${q.name} | ${fastestHive.name} | ${verdict(ours.rps / fastestHive.rps, 1)} | ${(ours.p95 / fastestHive.p95).toFixed(2)}x | ${verdict(ours.rps / bareUndici.rps, 0.85)} | ${(ours.p95 / bareUndici.p95).toFixed(2)}x |`,
      );
    }
    lines.push(
      '',
      '**Goals** (ratios of medians)',
      '',
      '| query | fastest Hive row | this gateway req/s ÷ fastest Hive | p95 ÷ fastest Hive | req/s ÷ bare + our subgraph client | p95 ÷ bare + our subgraph client |',
      '|---|---|---:|---:|---:|---:|',
      ...goals,
      '',
      `Peak RSS MiB over the whole run: ${targets.map((t) => `${t.name} ${peakRssMiB(t.pid).toFixed(0)}`).join(', ')}.`,
      '',
      `This gateway verifies an RS256 bearer token, signs an Ed25519 proof per subgraph, runs the depth/cost/alias and @authenticated checks and one atomic Redis @rateLimit script per request (limit set high enough never to reject). "bare + our subgraph client" is the bare gateway with this gateway's undici-based subgraph client (src/subgraph-fetcher.ts) instead of Apollo's default make-fetch-happen: the gap between it and this gateway is what auth, proof signing, limits and the Redis rate limit cost.`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const t of [...started].reverse()) await t.stop().catch(() => undefined);
    jwksServer.close();
    const redis = new Redis(stackEnv().REDIS_URL);
    const keys = await redis.keys(`${redisPrefix}*`).catch(() => []);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

await main();
