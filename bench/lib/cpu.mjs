import { readFileSync } from 'node:fs';

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
