import { SMTPServer } from 'smtp-server';
import { simpleParser, ParsedMail } from 'mailparser';
import { freePort } from './dovecot';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpSink {
  host: string;
  port: number;
  received: ReceivedMail[];
  /** Answer the next `times` mails (at DATA) with this SMTP reply, e.g. 451 or 550. */
  failNext(code: number, message: string, times?: number): void;
  smtpSettings(): { host: string; port: number; secure: boolean; allowInsecureAuth: boolean };
  close(): Promise<void>;
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 that records what it receives.
 * With `users`, a login is checked against them (a wrong password is answered 535); without, any login passes.
 */
export async function startSmtpSink(opts: { users?: Record<string, string> } = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const failures: Array<{ code: number; message: string }> = [];
  const port = await freePort();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const users = opts.users;
      if (users && users[auth.username ?? ''] !== auth.password) return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const failure = failures.shift();
        if (failure) return callback(Object.assign(new Error(failure.message), { responseCode: failure.code }));
        const raw = Buffer.concat(chunks);
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          parsed: await simpleParser(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  return {
    host: '127.0.0.1',
    port,
    received,
    failNext(code, message, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ code, message });
    },
    // STARTTLS is disabled here: plain SMTP needs the explicit opt-in.
    smtpSettings: () => ({ host: '127.0.0.1', port, secure: false, allowInsecureAuth: true }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
