import { execFileSync, fork, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, ROOT, UNLIMITED_RATES, isRoot } from './env.mjs';

const live = new Set();

/** Every child the bench started, stopped on exit or Ctrl+C so nothing outlives the run. */
export function killAll() {
  for (const p of live) if (p.exitCode === null) p.kill('SIGKILL');
}
process.on('exit', killAll);

/** Resident memory of a process in bytes, from /proc. */
export function rssOf(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)\s+kB/);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Root in a container may still lack CAP_SYS_RESOURCE: try once before relying on it. */
export function canRaiseNofile(n) {
  if (!isRoot) return false;
  try {
    execFileSync('prlimit', [`--nofile=${n}:${n}`, '--', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The hard open-files limit children inherit (what one process can hold without prlimit). */
export function hardNofile() {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Spawns a node script, optionally with a raised open-files limit (root only: the
 * sockets figure needs more than the default 20,000 descriptors in one process).
 */
function spawnNode(args, { env, nofile } = {}) {
  const useLimit = nofile && isRoot && canRaiseNofile(nofile);
  const cmd = useLimit ? 'prlimit' : process.execPath;
  const argv = useLimit ? [`--nofile=${nofile}:${nofile}`, '--', process.execPath, ...args] : args;
  const proc = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  return proc;
}

function stopper(proc) {
  return (signal = 'SIGTERM') =>
    new Promise((done) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      const kill = setTimeout(() => proc.kill('SIGKILL'), 15000);
      proc.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      proc.kill(signal);
    });
}

/** Waits for a line matching `re` on stdout; rejects when the process exits first. */
function waitFor(proc, re, timeoutMs, what) {
  let out = '';
  proc.stdout.on('data', (d) => (out = (out + d).slice(-20000)));
  proc.stderr.on('data', (d) => (out = (out + d).slice(-20000)));
  const result = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${timeoutMs} ms:\n${out.slice(-2000)}`)), timeoutMs);
    const check = () => {
      const m = out.match(re);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    proc.stdout.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
  return { result, output: () => out };
}

/** The real server (production entry point of the private build) as its own process. */
export async function startInboxServer(env, { nofile, timeoutMs = 90000, main = MAIN } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'inbox-bench-data-'));
  // BENCH_SERVER_NODE_ARGS: options for the servers' node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
  // (a CPU profile per server, written when it stops). BENCH_SERVER_STDOUT=FILE: each server's
  // stdout is appended to FILE as well (e.g. with BENCH_SERVER_NODE_ARGS=--trace-gc-nvp).
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const proc = spawnNode([...nodeArgs, main], {
    nofile,
    env: { ...process.env, ...UNLIMITED_RATES, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', LOG_PRETTY: 'false', DATA_DIR: dataDir, ...env },
  });
  if (process.env.BENCH_SERVER_STDOUT) proc.stdout.on('data', (d) => appendFileSync(process.env.BENCH_SERVER_STDOUT, d));
  const { result, output } = waitFor(proc, /is running: (http:\/\/\S+)/, timeoutMs, 'server');
  const m = await result;
  const stop = stopper(proc);
  return {
    // The server prints localhost; the bench talks to 127.0.0.1 only.
    url: m[1].replace('localhost', '127.0.0.1'),
    pid: proc.pid,
    proc,
    output,
    stop: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A bare baseline server: the socket.io relay (bench/lib/bare-server.mjs) or another script of bench/lib. */
export async function startBareServer({ nofile, script = 'bare-server.mjs', env = {} } = {}) {
  const proc = spawnNode([join(ROOT, 'bench/lib', script)], { nofile, env: { ...process.env, ...env } });
  const { result, output } = waitFor(proc, /bare server listening: (http:\/\/\S+)/, 30000, 'bare server');
  const m = await result;
  return { url: m[1], pid: proc.pid, proc, output, stop: stopper(proc) };
}

/**
 * Runs `fn(params, progress)` exported by a bench module in a forked load-generator
 * process and resolves with its result. Bounded: killed after `timeoutMs`.
 */
export function runWorker(modulePath, fn, params, { timeoutMs = 300000, onProgress, execArgv = [] } = {}) {
  const child = fork(join(ROOT, 'bench/lib/worker.mjs'), [], { cwd: ROOT, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`worker ${fn} exceeded ${timeoutMs} ms`)), timeoutMs);
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      if (err) reject(err);
      else resolve(value);
    };
    child.on('message', (m) => {
      if (m.type === 'progress') onProgress?.(m.data);
      else if (m.type === 'result') finish(null, m.data);
      else if (m.type === 'error') finish(new Error(`worker ${fn}: ${m.message}`));
    });
    child.once('exit', (code) => finish(new Error(`worker ${fn} exited with ${code}`)));
    child.send({ modulePath, fn, params });
  });
}

/**
 * Starts a long-lived worker (e.g. socket holders) that answers commands over IPC:
 * `call(command, args)` resolves with the reply.
 */
export function startWorker(modulePath, fn, params, { execArgv = [] } = {}) {
  const child = fork(join(ROOT, 'bench/lib/worker.mjs'), [], { cwd: ROOT, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let nextId = 1;
  const pending = new Map();
  let ready;
  const readyP = new Promise((resolve, reject) => (ready = { resolve, reject }));
  child.on('message', (m) => {
    if (m.type === 'ready') ready.resolve(m.data);
    else if (m.type === 'error') {
      ready.reject(new Error(m.message));
      for (const p of pending.values()) p.reject(new Error(m.message));
    } else if (m.type === 'reply') {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.data);
    }
  });
  child.once('exit', (code) => {
    ready.reject(new Error(`worker ${fn} exited with ${code}`));
    for (const p of pending.values()) p.reject(new Error(`worker ${fn} exited with ${code}`));
  });
  child.send({ modulePath, fn, params, serve: true });
  return {
    ready: readyP,
    call: (command, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ type: 'call', id, command, args });
      }),
    stop: stopper(child),
  };
}
