import { AddressObject, simpleParser } from 'mailparser';
import { htmlToText } from '@inbox/core';
import { HeaderBag, MailClassification, classifyMail } from './email-loop.util';
import { trimReply } from './email-reply.util';
import { externalIdFor, normalizeMessageId, parseIdList } from './email-threading.util';

export const MAIL_LIMITS = {
  /** A bigger raw mail is quarantined rather than parsed (memory). */
  maxRawBytes: 40 * 1024 * 1024,
  /** Attachments over this are dropped from the message (listed in its metadata); the raw mail keeps them. */
  maxAttachmentBytes: 15 * 1024 * 1024,
  maxTotalAttachmentBytes: 30 * 1024 * 1024,
};

export interface MailAddress {
  address: string;
  name: string | null;
}

export interface ParsedMail {
  externalId: string;
  messageId: string | null;
  from: MailAddress;
  replyTo: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string | null;
  date: Date | null;
  /** The full plain-text body (from HTML when the mail has no text part). */
  fullText: string;
  /** What an agent sees first: quotes and signature trimmed. */
  visibleText: string;
  html: string | null;
  inReplyTo: string[];
  references: string[];
  headers: HeaderBag;
  classification: MailClassification;
  attachments: Array<{ fileName: string; contentType: string; data: Buffer; contentId: string | null; inline: boolean }>;
  droppedAttachments: Array<{ fileName: string; size: number; reason: string }>;
}

/** Thrown for a mail that parses but cannot become a message; the watcher quarantines it with this reason. */
export class UnusableMailError extends Error {}

const addresses = (v: AddressObject | AddressObject[] | undefined): MailAddress[] => {
  const list = Array.isArray(v) ? v : v ? [v] : [];
  const out: MailAddress[] = [];
  const walk = (items: AddressObject['value']) => {
    for (const a of items) {
      if (a.group) walk(a.group);
      else if (a.address && a.address.includes('@')) out.push({ address: a.address.trim().toLowerCase(), name: a.name?.trim() || null });
    }
  };
  for (const o of list) walk(o.value);
  return out;
};

/**
 * RFC 822 bytes → a channel-neutral mail: charsets decoded by mailparser (iconv),
 * cid: links kept so inline images map to their attachments, noise classified.
 * HTML sanitising happens in the core ingest (one place for every channel).
 */
export async function parseMail(raw: Buffer, limits = MAIL_LIMITS): Promise<ParsedMail> {
  if (raw.length > limits.maxRawBytes) throw new UnusableMailError(`mail is ${raw.length} bytes, over the ${limits.maxRawBytes}-byte limit`);
  if (!/\r?\n\r?\n|^[\x21-\x39\x3b-\x7e]+:/.test(raw.subarray(0, 65536).toString('latin1'))) throw new UnusableMailError('not an RFC 822 message (no header section)');
  const parsed = await simpleParser(raw, { keepCidLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: 5_000_000 });

  const headers: HeaderBag = {};
  for (const { key, line } of parsed.headerLines ?? []) {
    const value = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    if (headers[key] === undefined) headers[key] = value;
  }
  const messageId = normalizeMessageId(parsed.messageId);
  const from = addresses(parsed.from)[0] ?? addresses(parsed.replyTo)[0] ?? senderHeader(headers) ?? localSender(headers, messageId);
  if (!from) throw new UnusableMailError('no sender address (From, Reply-To and Sender are missing or unreadable)');

  const html = typeof parsed.html === 'string' && parsed.html.trim() ? parsed.html : null;
  const fullText = (parsed.text?.trim() ? parsed.text : html ? htmlToText(html) : '').replace(/\r\n?/g, '\n').trim();
  const { visible } = trimReply(fullText);
  const subject = parsed.subject?.replace(/\s+/g, ' ').trim() || null;

  const attachments: ParsedMail['attachments'] = [];
  const droppedAttachments: ParsedMail['droppedAttachments'] = [];
  let total = 0;
  for (const a of parsed.attachments ?? []) {
    const fileName = (a.filename || (a.contentId ? `inline-${normalizeMessageId(a.contentId) ?? 'image'}` : 'attachment')).slice(0, 255);
    const data = a.content;
    if (data.length > limits.maxAttachmentBytes) {
      droppedAttachments.push({ fileName, size: data.length, reason: `over the ${limits.maxAttachmentBytes}-byte attachment limit` });
      continue;
    }
    if (total + data.length > limits.maxTotalAttachmentBytes) {
      droppedAttachments.push({ fileName, size: data.length, reason: `over the ${limits.maxTotalAttachmentBytes}-byte limit per mail` });
      continue;
    }
    total += data.length;
    attachments.push({
      fileName,
      contentType: (a.contentType || 'application/octet-stream').slice(0, 200),
      data,
      contentId: a.contentId ? normalizeMessageId(a.contentId) : null,
      inline: a.contentDisposition === 'inline' || Boolean(a.related),
    });
  }

  return {
    externalId: externalIdFor(messageId, raw),
    messageId,
    from,
    replyTo: addresses(parsed.replyTo)[0] ?? null,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    subject,
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
    fullText,
    visibleText: visible,
    html,
    inReplyTo: parseIdList(parsed.inReplyTo),
    references: parseIdList(parsed.references),
    headers,
    classification: classifyMail(headers, from.address, subject),
    attachments,
    droppedAttachments,
  };
}

function senderHeader(headers: HeaderBag): MailAddress | null {
  const m = /<?([^\s<>"]+@[^\s<>"]+)>?/.exec(headers['sender'] ?? headers['return-path'] ?? '');
  return m ? { address: m[1].toLowerCase(), name: null } : null;
}

/** "From: MAILER-DAEMON (Mail Delivery System)": a local MTA's bare user name, qualified with the Message-ID's host. */
function localSender(headers: HeaderBag, messageId: string | null): MailAddress | null {
  const local = /^\s*<?([a-z0-9._+-]+)>?\s*(\(.*\))?\s*$/i.exec(headers['from'] ?? '')?.[1];
  const domain = messageId?.split('@')[1];
  return local && domain && /^[a-z0-9.-]+$/i.test(domain) ? { address: `${local}@${domain}`.toLowerCase(), name: null } : null;
}
