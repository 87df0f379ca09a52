import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { freePort } from './test-database';

export { freePort };
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

/**
 * A real, throwaway Dovecot IMAP server for the email tests: passwd-file passdb,
 * static userdb, maildir in a temp folder, no TLS, foreground, 127.0.0.1 only.
 * Written for Dovecot 2.3 syntax (Debian bookworm's dovecot-imapd).
 */
export interface TestDovecot {
  host: string;
  port: number;
  dir: string;
  users: Record<string, string>;
  /** IMAP settings for POST /inboxes. */
  imapSettings(user: string, mailbox?: string): { host: string; port: number; secure: boolean; allowInsecureAuth: boolean; user: string; password: string; mailbox?: string };
  /** APPENDs raw mails through IMAP, as a mail delivery would, so IDLE sees them arrive. */
  append(user: string, raws: Array<string | Buffer>, mailbox?: string): Promise<void>;
  client(user: string): Promise<ImapFlow>;
  /** Drops a mail straight into the maildir (for when the server is down). */
  deliverToMaildir(user: string, raw: string | Buffer): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  running(): boolean;
  close(): Promise<void>;
}

export function dovecotBinary(): string {
  const candidates = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    return execFileSync('sh', ['-c', 'command -v dovecot'], { encoding: 'utf8' }).trim();
  } catch {
    /* not on PATH */
  }
  if (process.getuid?.() === 0) {
    // CI containers run as root: install it rather than fail (the same as .ci/run does).
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd'], { stdio: 'inherit' });
    if (existsSync('/usr/sbin/dovecot')) return '/usr/sbin/dovecot';
  }
  throw new Error('Dovecot is needed by the email tests. Install it with: sudo apt-get install -y dovecot-imapd');
}

async function waitForPort(port: number, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not listen on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startDovecot(users: Record<string, string> = { support: 'support-pass', customer: 'customer-pass' }): Promise<TestDovecot> {
  const bin = dovecotBinary();
  const dir = mkdtempSync(join(tmpdir(), 'inbox-dovecot-'));
  const port = await freePort();
  const root = process.getuid?.() === 0;
  const me = userInfo();
  // As root Dovecot drops privileges: mail is owned by nobody, so the folders must be reachable.
  const mailUser = root ? 'nobody' : me.username;
  const mailGroup = root ? 'nogroup' : String(me.gid);
  for (const d of ['run', 'state', 'mail', 'home']) mkdirSync(join(dir, d), { recursive: true });
  if (root) for (const d of ['', 'mail', 'home']) chmodSync(join(dir, d), 0o777);
  chmodSync(dir, 0o755);
  writeFileSync(
    join(dir, 'passwd'),
    Object.entries(users)
      .map(([u, p]) => `${u}:{PLAIN}${p}::::::\n`)
      .join(''),
  );
  const conf = `
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = inbox-test-${port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# The tests log in with wrong passwords on purpose: no failure delay or per-IP penalty for the next logins.
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
log_path = ${dir}/dovecot.log
mail_location = maildir:${dir}/mail/%u
default_internal_user = ${root ? 'dovecot' : me.username}
default_internal_group = ${root ? 'dovecot' : String(me.gid)}
default_login_user = ${root ? 'dovenull' : me.username}
first_valid_uid = 0
first_valid_gid = 0
mail_privileged_group =
protocol imap {
  mail_max_userip_connections = 50
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${mailUser} gid=${mailGroup} home=${dir}/home/%u
}
`;
  writeFileSync(join(dir, 'dovecot.conf'), conf);
  let proc: ChildProcess | null = null;

  const start = async () => {
    // Its own process group, so stop() takes the imap processes down too, like a real crash or restart.
    const child = spawn(bin, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    proc = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`dovecot exited (${code}): ${output}${existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8').slice(-2000) : ''}`)),
      ),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port), exited]);
  };

  const stop = async () => {
    const child = proc;
    proc = null;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* already gone */
      }
    };
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
    // Dovecot's master leaves running imap sessions behind on SIGTERM; a stopped server has none.
    signalGroup('SIGKILL');
  };

  const client = async (user: string) => {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: users[user] }, logger: false });
    await c.connect();
    return c;
  };

  await start();
  return {
    host: '127.0.0.1',
    port,
    dir,
    users,
    // This Dovecot has no TLS: logging in in clear needs the explicit opt-in.
    imapSettings: (user, mailbox) => ({ host: '127.0.0.1', port, secure: false, allowInsecureAuth: true, user, password: users[user], ...(mailbox ? { mailbox } : {}) }),
    async append(user, raws, mailbox = 'INBOX') {
      const c = await client(user);
      try {
        for (const raw of raws) await c.append(mailbox, typeof raw === 'string' ? Buffer.from(raw) : raw);
      } finally {
        await c.logout().catch(() => undefined);
      }
    },
    client,
    deliverToMaildir(user, raw) {
      const base = join(dir, 'mail', user);
      for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(base, d), { recursive: true });
      const name = `${Date.now()}.${process.pid}_${Math.random().toString(36).slice(2)}.test`;
      writeFileSync(join(base, 'new', name), raw);
      if (root) execFileSync('chown', ['-R', `${mailUser}:${mailGroup}`, base]);
    },
    stop,
    start,
    running: () => proc !== null,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
