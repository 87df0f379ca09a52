import { uid } from './app';

export interface MailSpec {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  messageId?: string | null;
  inReplyTo?: string;
  references?: string[];
  body?: string;
  html?: string;
  headers?: Record<string, string>;
  attachment?: { name: string; type: string; data: Buffer };
}

/** A small RFC 822 mail (CRLF) for the tests; `messageId: null` leaves the header out. */
export function buildMail(s: MailSpec = {}): { raw: string; messageId: string | null } {
  const messageId = s.messageId === null ? null : (s.messageId ?? `${uid()}.${uid()}@customer.test`);
  const h: string[] = [
    `From: ${s.from ?? 'Carla Customer <Carla@Customer.test>'}`,
    `To: ${s.to ?? 'support@acme.test'}`,
    ...(s.cc ? [`Cc: ${s.cc}`] : []),
    `Subject: ${s.subject ?? 'Help with my order'}`,
    `Date: ${new Date().toUTCString()}`,
    ...(messageId ? [`Message-ID: <${messageId}>`] : []),
    ...(s.inReplyTo ? [`In-Reply-To: <${s.inReplyTo}>`] : []),
    ...(s.references?.length ? [`References: ${s.references.map((r) => `<${r}>`).join(' ')}`] : []),
    'MIME-Version: 1.0',
    ...Object.entries(s.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  const text = s.body ?? 'Hello, where is my order?';
  if (!s.html && !s.attachment) return { raw: [...h, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', text, ''].join('\r\n'), messageId };
  const b = `b-${uid()}`;
  const alt = `a-${uid()}`;
  const parts = s.html
    ? [
        `--${b}`,
        `Content-Type: multipart/alternative; boundary="${alt}"`,
        '',
        `--${alt}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        text,
        '',
        `--${alt}`,
        'Content-Type: text/html; charset=utf-8',
        '',
        s.html,
        '',
        `--${alt}--`,
        '',
      ]
    : [`--${b}`, 'Content-Type: text/plain; charset=utf-8', '', text, ''];
  if (s.attachment) {
    parts.push(
      `--${b}`,
      `Content-Type: ${s.attachment.type}; name="${s.attachment.name}"`,
      `Content-Disposition: attachment; filename="${s.attachment.name}"`,
      'Content-Transfer-Encoding: base64',
      '',
      s.attachment.data.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '',
    );
  }
  parts.push(`--${b}--`, '');
  return { raw: [...h, `Content-Type: multipart/mixed; boundary="${b}"`, '', ...parts].join('\r\n'), messageId };
}

/** A DSN (RFC 3464) as a mail server sends it for a mail that could not be delivered. */
export function buildBounce(originalMessageId: string, recipient: string, diagnostic = '550 5.1.1 <nobody@customer.test>: Recipient address rejected: User unknown'): string {
  const b = `dsn-${uid()}`;
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
    'To: support@acme.test',
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${uid()}.dsn@mx.customer.test>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
    '',
    `--${b}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    "I'm sorry to have to inform you that your message could not be delivered.",
    '',
    `--${b}`,
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.customer.test',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: smtp; ${diagnostic}`,
    '',
    `--${b}`,
    'Content-Type: text/rfc822-headers',
    '',
    'From: Support <support@acme.test>',
    `To: ${recipient}`,
    'Subject: Re: Help',
    `Message-ID: <${originalMessageId}>`,
    '',
    `--${b}--`,
    '',
  ].join('\r\n');
}
