import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** /proc/<pid>/stat counts in clock ticks of 10 ms (USER_HZ 100 on Linux). */
const TICK_MS = 10;

/** CPU milliseconds (user + system) a process has used so far, from /proc; null when it is gone. */
export function cpuMsOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/**
 * CPU milliseconds so far of each PostgreSQL process serving `client`'s database (the client's own
 * backend excepted), by pid; empty when the database runs on another machine (its pids are not
 * PostgreSQL processes here).
 */
export async function databaseCpu(client) {
  const { rows } = await client.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  const byPid = new Map();
  for (const { pid } of rows) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const ms = cmd.includes('postgres') ? cpuMsOf(pid) : null;
    if (ms !== null) byPid.set(pid, ms);
  }
  return byPid;
}

/** CPU the processes of `after` used since `before` (a backend that started in between counts from its start). */
export const cpuSince = (before, after) => [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);

/**
 * Meters the CPU of a run from inside its load generator: the server processes' (by pid; none for
 * an in-process run), PostgreSQL's (`databaseUrl`'s backends, through a probe connection of its
 * own) and this process's. `stop()` answers the milliseconds each used since `cpuMeter` returned;
 * serverMs is null without server pids or when one is gone, databaseMs null when the database
 * runs on another machine.
 */
export async function cpuMeter(databaseUrl, serverPids = []) {
  const pg = (await import('pg')).default;
  const probe = new pg.Client({ connectionString: databaseUrl });
  await probe.connect();
  const at = async () => {
    const servers = serverPids.map(cpuMsOf);
    const own = process.cpuUsage();
    return {
      servers: !servers.length || servers.includes(null) ? null : servers.reduce((a, b) => a + b, 0),
      database: await databaseCpu(probe),
      load: (own.user + own.system) / 1000,
    };
  };
  const before = await at();
  return {
    async stop() {
      const after = await at();
      await probe.end();
      return {
        serverMs: before.servers === null || after.servers === null ? null : after.servers - before.servers,
        databaseMs: after.database.size ? cpuSince(before.database, after.database) : null,
        loadMs: after.load - before.load,
      };
    },
  };
}

/** A run's CPU (cpuMeter's answer) per unit of its work, in ms with three decimals; null parts stay null. */
export const cpuPer = (cpu, count) => cpu && Object.fromEntries(Object.entries(cpu).map(([k, ms]) => [k, ms === null ? null : +(ms / count).toFixed(3)]));

/**
 * A figure's row for what one unit of its work (a message, an assignment) costs the machine, all
 * processes together, and the rate at which that cost fills every core: the figure's ceiling on
 * this machine while the load generator shares the cores (null parts are not measurable here).
 */
export function cpuRow(name, cpu, count, unitName) {
  const { serverMs, databaseMs, loadMs } = cpu;
  if (databaseMs === null || !count)
    return { name, value: null, unit: 'ms', baseline: null, baselineUnit: 'not measurable: the database runs on another machine', ratio: null, target: null, pass: null };
  const per = (ms) => ms / count;
  const total = per((serverMs ?? 0) + databaseMs + loadMs);
  const cores = availableParallelism();
  const parts = [serverMs === null ? null : `server ${per(serverMs).toFixed(2)}`, `PostgreSQL ${per(databaseMs).toFixed(2)}`, `load generator ${per(loadMs).toFixed(2)}`];
  return {
    name,
    value: total,
    unit: `ms (${parts.filter(Boolean).join(', ')})`,
    baseline: (cores * 1000) / total,
    // The server's JavaScript runs on one thread: at the rate where its process uses a whole core it
    // is near its own cap on any machine (the process's CPU includes its GC and I/O helper threads).
    baselineUnit: `${unitName}/s would fill all ${cores} cores${serverMs ? `; server at 1 core: ${Math.round(1000 / per(serverMs))}/s` : ''}`,
    ratio: null,
    target: null,
    pass: null,
  };
}
