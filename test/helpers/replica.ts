import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const MAIN = join(ROOT, 'dist/apps/server/src/main.js');

/** Builds the server once per test file so real server processes can be spawned. */
export function buildServer(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'pipe' });
  if (!existsSync(MAIN)) throw new Error(`build did not produce ${MAIN}`);
}

export interface Replica {
  url: string;
  proc: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** A real server process (the production entry point), stopped with SIGTERM. */
export async function startReplica(env: Record<string, string>, timeoutMs = 60000): Promise<Replica> {
  const proc = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      OUTBOUND_ALLOW_PRIVATE: 'true',
      RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      RATE_LIMIT_INGEST_PER_MINUTE: '1000000',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'inbox-replica-')),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start in ${timeoutMs} ms:\n${out.slice(-2000)}`)), timeoutMs);
    const check = () => {
      const m = out.match(/is running: (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
  // A replica that dies under a test (not stopped by it) says why in the test's output.
  let stopping = false;
  proc.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`replica ${url} exited unexpectedly (${code ?? signal}):\n${out.slice(-4000)}\n`);
  });
  return {
    url,
    proc,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((done) => {
        stopping = true;
        if (proc.exitCode !== null || proc.signalCode !== null) return done();
        const kill = setTimeout(() => proc.kill('SIGKILL'), 15000);
        proc.once('exit', () => {
          clearTimeout(kill);
          done();
        });
        proc.kill(signal);
      }),
  };
}
