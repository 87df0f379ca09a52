import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { now, sleep } from '../lib/env.mjs';
import { canRaiseNofile, hardNofile, rssOf, startBareServer, startInboxServer, startWorker } from '../lib/processes.mjs';
import { api, createAgents, expectOk, loginAdmin, serverEnv } from '../lib/api.mjs';

const PER_WORKER = 5000;
const TARGET_SOCKETS = 20000;
const TARGET_MEMORY_RATIO = 1.3;

/**
 * Figure 3: N authenticated idle agent sockets held by one server process: memory per
 * socket (VmRSS growth / N) and the time for one event to reach all N. Baseline: the bare
 * socket.io server with the same N. Clients live in load-generator processes, each with
 * its own 127.0.0.x source address so ephemeral ports never run short.
 */
export async function run(ctx) {
  const requested = ctx.sockets ?? (ctx.quick ? 2000 : TARGET_SOCKETS);
  const rounds = 3;
  const self = fileURLToPath(import.meta.url);
  let nofile = requested + 5000;
  // Without the right to raise the open-files limit, one process holds at most the hard limit
  // minus what the server itself needs (database pool, Redis, files): cap N there and say so.
  let limitNote = `server started with an open-files limit of ${nofile} (prlimit)`;
  let n = requested;
  if (!canRaiseNofile(nofile)) {
    const hard = hardNofile();
    nofile = null;
    n = Math.min(requested, hard - 1000);
    limitNote = `open-files hard limit ${hard} and no permission to raise it: N capped at ${n}`;
    if (n < requested) ctx.log(`  ${limitNote}`);
  }

  ctx.log(`  bare socket.io baseline with ${n} sockets`);
  const bareServer = await startBareServer({ nofile });
  let bare;
  try {
    bare = await holdAndFanOut(self, ctx, {
      url: bareServer.url,
      pid: bareServer.pid,
      n,
      rounds,
      tokens: null,
      trigger: (i) => expectOk(fetchJson(`${bareServer.url}/emit`, { text: `fanout#${i}` }), 'bare emit'),
    });
  } finally {
    await bareServer.stop();
  }

  const databaseUrl = await ctx.db.createDatabase('sockets');
  const server = await startInboxServer(serverEnv(databaseUrl, { DATABASE_POOL_SIZE: '10' }), { nofile });
  let real;
  let agentCount;
  try {
    const admin = await loginAdmin(server.url);
    const box = await expectOk(api(server.url, 'POST', '/inboxes', admin, { name: 'Bench sockets', channel: 'api' }), 'create inbox');
    agentCount = ctx.quick ? 10 : 200;
    ctx.log(`  creating ${agentCount} agents`);
    const agents = await createAgents(server.url, admin, { count: agentCount, prefix: 'sock', capacity: { api: 1000 }, inboxId: box.id });
    ctx.log(`  inbox server with ${n} sockets`);
    real = await holdAndFanOut(self, ctx, {
      url: server.url,
      pid: server.pid,
      n,
      rounds,
      tokens: agents.map((a) => a.token),
      trigger: (i) =>
        expectOk(
          api(server.url, 'POST', `/inboxes/${box.id}/incoming`, box.token, {
            externalId: `fanout-${i}-${Date.now()}`,
            contact: { identifier: `fanout-${i}-${Date.now()}` },
            text: `fanout#${i}`,
          }),
          'ingest',
        ),
    });
  } finally {
    await server.stop();
    await ctx.db.dropDatabase(databaseUrl);
  }
  const settings = {
    requested,
    limitNote,
    measuredN: n,
    connected: real.connected,
    baselineConnected: bare.connected,
    agents: agentCount,
    clientProcesses: real.workers,
    sourceAddresses: real.addresses,
    fanOutRounds: rounds,
    connectSeconds: +real.connectSeconds.toFixed(1),
    baselineConnectSeconds: +bare.connectSeconds.toFixed(1),
    connectFailures: real.failures,
    rssBeforeMiB: +(real.rssBefore / 2 ** 20).toFixed(1),
    rssAfterMiB: +(real.rssAfter / 2 ** 20).toFixed(1),
    baselineRssBeforeMiB: +(bare.rssBefore / 2 ** 20).toFixed(1),
    baselineRssAfterMiB: +(bare.rssAfter / 2 ** 20).toFixed(1),
    fanOutReached: real.reached,
    baselineFanOutReached: bare.reached,
  };
  const memRatio = real.perSocket / bare.perSocket;
  return [
    {
      name: `sockets per node: authenticated idle agent sockets held`,
      value: real.connected,
      unit: 'sockets',
      baseline: bare.connected,
      baselineUnit: 'sockets (bare socket.io)',
      ratio: real.connected / bare.connected,
      target: `>= ${TARGET_SOCKETS}`,
      pass: real.connected >= TARGET_SOCKETS,
      settings,
    },
    {
      name: `sockets per node: memory per socket (N=${n})`,
      value: real.perSocket / 1024,
      unit: 'KiB',
      baseline: bare.perSocket / 1024,
      baselineUnit: 'KiB (bare socket.io)',
      ratio: memRatio,
      target: `<= ${TARGET_MEMORY_RATIO}x bare`,
      pass: memRatio <= TARGET_MEMORY_RATIO,
      settings,
    },
    {
      name: `sockets per node: fan-out of one event to all (N=${n})`,
      value: real.fanOutMs,
      unit: 'ms',
      baseline: bare.fanOutMs,
      baselineUnit: 'ms (bare socket.io)',
      ratio: real.fanOutMs / bare.fanOutMs,
      target: null,
      pass: null,
      settings: { ...settings, roundsMs: real.roundsMs, baselineRoundsMs: bare.roundsMs },
      charts: [
        {
          kind: 'line',
          title: `Sockets connected over time (per second), N=${n}`,
          yLabel: 'sockets',
          series: [
            { label: 'inbox server', values: real.connectedSeries },
            { label: 'bare socket.io', values: bare.connectedSeries },
          ],
        },
      ],
    },
  ];
}

async function fetchJson(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** Opens N sockets from worker processes, measures RSS growth, then times `rounds` fan-outs. */
async function holdAndFanOut(self, ctx, { url, pid, n, rounds, tokens, trigger }) {
  const workerCount = Math.ceil(n / PER_WORKER);
  await sleep(1500);
  const rssBefore = rssOf(pid);
  const workers = [];
  const addresses = [];
  try {
    for (let w = 0; w < workerCount; w++) {
      const count = Math.min(PER_WORKER, n - w * PER_WORKER);
      const localAddress = `127.0.0.${2 + w}`;
      addresses.push(localAddress);
      workers.push(startWorker(self, 'holder', { url, count, tokens, offset: w * PER_WORKER, localAddress }));
    }
    await Promise.all(workers.map((w) => w.ready));
    const started = now();
    const connects = await Promise.all(workers.map((w) => w.call('connect')));
    const connectSeconds = (now() - started) / 1000;
    const connected = connects.reduce((s, c) => s + c.connected, 0);
    const failures = connects.reduce((s, c) => s + c.failed, 0);
    ctx.log(`    ${connected}/${n} connected in ${connectSeconds.toFixed(1)} s (${failures} failed)`);
    // Idle sockets: let the heap settle before reading memory.
    await sleep(3000);
    const rssAfter = rssOf(pid);
    const roundsMs = [];
    let reached = 0;
    for (let i = 0; i < rounds; i++) {
      const marker = `fanout#${i}`;
      await Promise.all(workers.map((w) => w.call('arm', { marker })));
      const t0 = now();
      await trigger(i);
      const deadline = now() + 60000;
      let got = [];
      for (;;) {
        got = await Promise.all(workers.map((w) => w.call('arrivals', { marker })));
        if (got.reduce((s, g) => s + g.count, 0) >= connected || now() > deadline) break;
        await sleep(100);
      }
      reached = got.reduce((s, g) => s + g.count, 0);
      roundsMs.push(Math.max(...got.map((g) => g.last)) - t0);
      await sleep(500);
    }
    const connectedSeries = [];
    for (const c of connects) c.series.forEach((v, i) => (connectedSeries[i] = (connectedSeries[i] ?? 0) + v));
    const sorted = [...roundsMs].sort((a, b) => a - b);
    return {
      connected,
      failures,
      connectSeconds,
      rssBefore,
      rssAfter,
      perSocket: (rssAfter - rssBefore) / Math.max(1, connected),
      fanOutMs: sorted[Math.floor(sorted.length / 2)],
      roundsMs: roundsMs.map((x) => +x.toFixed(1)),
      reached,
      workers: workerCount,
      addresses,
      connectedSeries: Array.from(connectedSeries, (x) => x ?? 0),
    };
  } finally {
    await Promise.all(workers.map((w) => w.call('close').catch(() => undefined)));
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** In a worker: holds `count` sockets from one source address and records event arrivals. */
export async function holder({ url, count, tokens, offset, localAddress }) {
  const sockets = [];
  let marker = null;
  let arrivals = 0;
  let last = 0;
  const onMessage = (e) => {
    if (marker && e?.data?.text === marker) {
      arrivals++;
      last = now();
    }
  };
  return {
    ready: { count },
    handlers: {
      async connect() {
        let connected = 0;
        let failed = 0;
        let next = 0;
        const start = now();
        const stamps = [];
        await Promise.all(
          Array.from({ length: 100 }, async () => {
            while (next < count) {
              const i = next++;
              const auth = tokens ? { token: tokens[(offset + i) % tokens.length] } : {};
              const s = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, localAddress, timeout: 60000 });
              s.on('message.created', onMessage);
              sockets.push(s);
              try {
                await new Promise((resolve, reject) => {
                  s.once('connect', resolve);
                  s.once('connect_error', reject);
                });
                connected++;
                stamps.push(now());
              } catch {
                failed++;
              }
            }
          }),
        );
        const series = [];
        for (const t of stamps) {
          const k = Math.floor((t - start) / 1000);
          series[k] = (series[k] ?? 0) + 1;
        }
        return { connected, failed, series: Array.from(series, (x) => x ?? 0) };
      },
      arm(args) {
        marker = args.marker;
        arrivals = 0;
        last = 0;
        return true;
      },
      arrivals() {
        return { count: arrivals, last };
      },
      close() {
        for (const s of sockets) s.disconnect();
        return true;
      },
    },
  };
}
