import { createServer, Server, Socket } from 'node:net';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { TestApp, bootApp, bootFixture, eventually, uid } from './helpers/app';
import { startDovecot, TestDovecot } from './helpers/dovecot';
import { buildMail } from './helpers/mail-factory';
import { startSmtpSink, SmtpSink } from './helpers/smtp-sink';
import { startWebhookReceiver } from './helpers/webhook-receiver';

/** A TCP listener that only counts who connects: a refused target must never see a connection. */
async function countingListener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    n++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.write('* OK IMAP4rev1 ready\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => n,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** An IMAP server without STARTTLS that records every command it receives (and refuses every login). */
async function recordingImap(): Promise<{ port: number; commands: string[]; close: () => Promise<void> }> {
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    s.write('* OK [CAPABILITY IMAP4rev1] ready\r\n');
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        commands.push(line);
        const [tag, cmd = ''] = line.split(' ');
        if (cmd.toUpperCase() === 'CAPABILITY') s.write(`* CAPABILITY IMAP4rev1\r\n${tag} OK done\r\n`);
        else if (cmd.toUpperCase() === 'LOGIN') s.write(`${tag} NO [AUTHENTICATIONFAILED] nope\r\n`);
        else if (cmd.toUpperCase() === 'LOGOUT') s.end(`* BYE\r\n${tag} OK bye\r\n`);
        else s.write(`${tag} OK done\r\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    commands,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('outbound address policy (OUTBOUND_ALLOW_PRIVATE=false)', () => {
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    ({ sut, admin, db } = await bootFixture({ OUTBOUND_ALLOW_PRIVATE: 'false' }));
  });

  afterAll(async () => {
    await sut?.close();
    await hook?.close();
  });

  describe('configuring a webhook', () => {
    const port = () => new URL(hook.url).port;
    it.each([
      () => hook.url,
      () => `http://[::1]:${port()}/hook`,
      () => `http://2130706433:${port()}/hook`,
      () => `http://0x7f.1:${port()}/hook`,
      () => `http://[::ffff:127.0.0.1]:${port()}/hook`,
      () => 'http://169.254.169.254/latest/meta-data/',
      () => 'http://10.0.0.1/hook',
      () => 'http://192.168.1.1/hook',
      () => 'http://100.64.0.1/hook',
      () => `http://localhost:${port()}/hook`,
      () => 'http://0.0.0.0/hook',
    ])('refuses a private target with 400 naming webhookUrl (%#)', async (url) => {
      const res = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Hook ${uid()}`, channel: 'api', webhookUrl: url() } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('OUTBOUND_ADDRESS_REFUSED');
      expect(Object.keys(res.body.details.fields)).toEqual(['webhookUrl']);
      expect(res.body.details.fields.webhookUrl[0]).toMatch(/address refused by outbound policy/);
      expect(hook.received).toHaveLength(0);
    });

    it('creates nothing when it refuses', async () => {
      const name = `Refused ${uid()}`;
      await sut.api('POST', '/inboxes', { token: admin, body: { name, channel: 'api', webhookUrl: 'http://127.0.0.1/' } });
      expect((await db.query(`SELECT count(*)::int AS n FROM inboxes WHERE name = $1`, [name])).rows[0].n).toBe(0);
    });
  });

  describe('configuring an email inbox', () => {
    const imap = { host: 'imap.example.invalid', port: 993, secure: true, user: 'support', password: 'pw' };
    const smtp = { host: 'smtp.example.invalid', port: 465, secure: true };

    it.each([
      [{ ...imap, host: '127.0.0.1' }, smtp, ['imap.host']],
      [imap, { ...smtp, host: '2130706433' }, ['smtp.host']],
      [{ ...imap, host: '[::1]' }, { ...smtp, host: 'localhost' }, ['imap.host', 'smtp.host']],
      [{ ...imap, host: '169.254.169.254' }, { ...smtp, host: '10.1.2.3' }, ['imap.host', 'smtp.host']],
    ])('refuses private IMAP/SMTP hosts with 400 naming the field: %p %p', async (imapIn, smtpIn, fields) => {
      const res = await sut.api('POST', '/inboxes', {
        token: admin,
        body: { name: `Mail ${uid()}`, channel: 'email', address: `s-${uid()}@acme.test`, imap: imapIn, smtp: smtpIn },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('OUTBOUND_ADDRESS_REFUSED');
      expect(Object.keys(res.body.details.fields).sort()).toEqual(fields);
    });

    it('wants allowInsecureAuth to be a boolean, and names it', async () => {
      const res = await sut.api('POST', '/inboxes', {
        token: admin,
        body: { name: `Mail ${uid()}`, channel: 'email', address: `s-${uid()}@acme.test`, imap: { ...imap, secure: false, allowInsecureAuth: 'yes' }, smtp },
      });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.details.fields)).toEqual(['imap.allowInsecureAuth']);
    });
  });

  describe('a stored webhook URL that points inside (configured before, or rebound since)', () => {
    it('fails the delivery with the policy error, and the receiver gets nothing', async () => {
      const created = await sut.api('POST', '/inboxes', { token: admin, body: { name: `Stored ${uid()}`, channel: 'api' } });
      expect(created.status).toBe(201);
      // Straight into the database, as a target stored while private targets were allowed would be.
      await db.query(`UPDATE inboxes SET settings = jsonb_set(settings, '{webhookUrl}', to_jsonb($2::text)) WHERE id = $1`, [
        created.body.id,
        `http://localhost:${new URL(hook.url).port}/hook`,
      ]);
      const incoming = await sut.api('POST', `/inboxes/${created.body.id}/incoming`, {
        token: created.body.token,
        body: { externalId: uid(), contact: { identifier: `c-${uid()}` }, text: 'help' },
      });
      expect(incoming.status).toBe(201);
      const reply = await sut.api('POST', `/conversations/${incoming.body.conversationId}/messages`, { token: admin, body: { text: 'secret answer' } });
      expect(reply.status).toBe(201);
      const failed = await eventually(
        async () => {
          const { rows } = await db.query(`SELECT status, error, attempts FROM messages WHERE id = $1`, [reply.body.id]);
          return rows[0]?.status === 'failed' && rows[0];
        },
        20000,
        'the refused delivery',
      );
      expect(failed.error).toBe('webhook address refused by outbound policy');
      expect(failed.attempts).toBe(1);
      expect(hook.received).toHaveLength(0);
    });
  });
});

describe('stored email servers are checked again at each connection', () => {
  let dovecot: TestDovecot;
  let sink: SmtpSink;
  let first: TestApp;
  let sut: TestApp;
  let admin: string;
  let db: Client;
  let imapListener: Awaited<ReturnType<typeof countingListener>>;
  let inboxId: string;
  let conversationId: string;

  beforeAll(async () => {
    [dovecot, sink, imapListener] = await Promise.all([startDovecot({ support: 'support-pass' }), startSmtpSink(), countingListener()]);
    // First life: private targets allowed (a self-hosted set-up), one email thread comes in.
    first = await bootApp();
    const firstAdmin = await first.login();
    const created = await first.api('POST', '/inboxes', {
      token: firstAdmin,
      body: { name: 'Support', channel: 'email', address: 'support@acme.test', imap: dovecot.imapSettings('support'), smtp: sink.smtpSettings() },
    });
    expect(created.status).toBe(201);
    inboxId = created.body.id;
    db = new Client({ connectionString: first.databaseUrl });
    await db.connect();
    const mail = buildMail({ subject: 'Policy', from: `Erin <erin-${uid()}@customer.test>` });
    await dovecot.append('support', [mail.raw]);
    const arrived = await eventually(
      async () => (await db.query(`SELECT conversation_id FROM messages WHERE inbox_id = $1 AND external_id = $2`, [inboxId, mail.messageId])).rows[0],
      15000,
      'the first mail',
    );
    conversationId = arrived.conversation_id;
    await first.close();
    // The IMAP server moves to a listener that counts connections; the next life refuses private targets.
    await db.query(`UPDATE inboxes SET settings = jsonb_set(settings, '{imap,port}', to_jsonb($2::int)) WHERE id = $1`, [inboxId, imapListener.port]);
    sut = await bootApp({ DATABASE_URL: first.databaseUrl, OUTBOUND_ALLOW_PRIVATE: 'false' });
    admin = await sut.login();
  });

  afterAll(async () => {
    await db?.end();
    await sut?.close();
    await Promise.all([dovecot?.close(), sink?.close(), imapListener?.close()]);
  });

  it('the mailbox watcher refuses the host on every reconnect and never connects', async () => {
    const status = await eventually(
      async () => {
        const res = await sut.api('GET', `/inboxes/${inboxId}/email-status`, { token: admin });
        const w = res.body.watcher;
        return w && w.reconnects >= 2 && /address refused by outbound policy/.test(w.lastError ?? '') && w;
      },
      20000,
      'two refused watcher sessions',
    );
    expect(status.connected).toBe(false);
    expect(imapListener.connections()).toBe(0);
  });

  it('test-connection answers 400 naming both hosts, before any connection', async () => {
    const before = sink.received.length;
    const res = await sut.api('POST', `/inboxes/${inboxId}/test-connection`, { token: admin });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('OUTBOUND_ADDRESS_REFUSED');
    expect(Object.keys(res.body.details.fields).sort()).toEqual(['imap.host', 'smtp.host']);
    expect(imapListener.connections()).toBe(0);
    expect(sink.received.length).toBe(before);
  });

  it('a reply fails with the policy error and the SMTP server receives nothing', async () => {
    const before = sink.received.length;
    const reply = await sut.api('POST', `/conversations/${conversationId}/messages`, { token: admin, body: { text: 'over plain SMTP to 127.0.0.1' } });
    expect(reply.status).toBe(201);
    const failed = await eventually(
      async () => {
        const { rows } = await db.query(`SELECT status, error, attempts FROM messages WHERE id = $1`, [reply.body.id]);
        return rows[0]?.status === 'failed' && rows[0];
      },
      20000,
      'the refused reply',
    );
    expect(failed.error).toBe('SMTP server address refused by outbound policy');
    expect(failed.attempts).toBe(1);
    expect(sink.received.length).toBe(before);
  });
});

describe('plain-text IMAP/SMTP login needs allowInsecureAuth', () => {
  let sut: TestApp;
  let admin: string;
  let imap: Awaited<ReturnType<typeof recordingImap>>;
  let smtp: SMTPServer;
  let smtpPort: number;
  const smtpLogins: string[] = [];

  beforeAll(async () => {
    imap = await recordingImap();
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth(auth, _session, cb) {
        smtpLogins.push(auth.username ?? '');
        cb(new Error('Invalid username or password'));
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    smtpPort = (smtp.server.address() as { port: number }).port;
    sut = await bootApp();
    admin = await sut.login();
  });

  afterAll(async () => {
    await sut?.close();
    await imap?.close();
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  const create = async (allowInsecureAuth: boolean | undefined) => {
    const res = await sut.api('POST', '/inboxes', {
      token: admin,
      body: {
        name: `Plain ${uid()}`,
        channel: 'email',
        address: `plain-${uid()}@acme.test`,
        imap: { host: '127.0.0.1', port: imap.port, secure: false, user: 'imap-user', password: 'imap-secret', allowInsecureAuth },
        smtp: { host: '127.0.0.1', port: smtpPort, secure: false, user: 'smtp-user', password: 'smtp-secret', allowInsecureAuth },
      },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('without it, secure:false means STARTTLS or nothing: the watcher and the connection test never send credentials in clear', async () => {
    const id = await create(undefined);
    const watcher = await eventually(
      async () => {
        const w = (await sut.api('GET', `/inboxes/${id}/email-status`, { token: admin })).body.watcher;
        return w && /STARTTLS/.test(w.lastError ?? '') && w;
      },
      20000,
      'the watcher refusing a server without STARTTLS',
    );
    expect(watcher.connected).toBe(false);
    const res = await sut.api('POST', `/inboxes/${id}/test-connection`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, imap: { ok: false, problem: 'tls_mismatch' }, smtp: { ok: false, problem: 'tls_mismatch' } });
    expect(res.body.imap.error).toMatch(/allowInsecureAuth/);
    await sut.api('PATCH', `/inboxes/${id}`, { token: admin, body: { active: false } });
    expect(imap.commands.filter((c) => /LOGIN|AUTHENTICATE|imap-secret/i.test(c))).toEqual([]);
    expect(smtpLogins).toEqual([]);
  });

  it('with it, the login goes through in clear (and the answer does not echo the server)', async () => {
    const id = await create(true);
    await sut.api('PATCH', `/inboxes/${id}`, { token: admin, body: { active: false } });
    const res = await sut.api('POST', `/inboxes/${id}/test-connection`, { token: admin });
    expect(res.body).toMatchObject({ ok: false, imap: { ok: false, problem: 'auth_failed' }, smtp: { ok: false, problem: 'auth_failed' } });
    expect(JSON.stringify(res.body)).not.toMatch(/nope|Invalid username/);
    expect(imap.commands.some((c) => /LOGIN/i.test(c))).toBe(true);
    expect(smtpLogins).toContain('smtp-user');
  });
});
