/**
 * What one round trip to PostgreSQL costs on this machine, the unit every statement count in the
 * profiles multiplies: `count` trivial parameterised statements one after another with `pg`, over
 * TCP to 127.0.0.1 and over the Unix socket when there is one; wall time and this process's CPU
 * (user and system) per round trip.
 *   npx node bench/profile-roundtrip.mjs [count]
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 5000);
const pg = createRequire(import.meta.url)('pg');
const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const hosts = [base.hostname, ...['/var/run/postgresql', '/tmp'].filter((d) => existsSync(`${d}/.s.PGSQL.${base.port || 5432}`))];
for (const host of hosts) {
  const client = new pg.Client({ host, port: Number(base.port || 5432), user: decodeURIComponent(base.username || 'postgres'), database: base.pathname.slice(1) || 'postgres' });
  await client.connect();
  for (let i = 0; i < 500; i++) await client.query('SELECT $1::int', [i]);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await client.query('SELECT $1::int', [i]);
  const wallUs = ((performance.now() - t0) * 1000) / count;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${host.padEnd(20)} ${wallUs.toFixed(0)} µs a round trip; this process's CPU ${((cpu.user + cpu.system) / count).toFixed(0)} µs (system ${(cpu.system / count).toFixed(0)} µs)`,
  );
  await client.end();
}
