import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { prepared, queryRows } from '../db/sql';
import type { ChannelKind } from '../entities/enums';
import { lacksDetails, type ContactDetails } from './contact.repository';
import { newThreadStatus, openThreadConflict } from './conversation.repository';
import { CONVERSATION_COLUMNS, CONVERSATION_SUMMARY_JSON, MESSAGE_COLUMNS, MESSAGE_SUMMARY_JSON, lastMessage, toConversationSummary, toMessageSummary } from './row-mappers';
import type { ConversationSummary, MessageSummary } from '@inbox/realtime-contract';
import type { ConversationSummaryRow, MessageSummaryRow } from './row-mappers';

export interface InboundWrite {
  inboxId: string;
  channel: ChannelKind;
  address: string;
  contact: ContactDetails;
  threadKey: string;
  teamId: string | null;
  subject: string | null;
  language: string | null;
  priority: number;
  at: Date;
  text: string;
  html: string | null;
  externalId: string;
  metadata: Record<string, unknown>;
  /** An inbox token's hash the statement confirms (see InboundMessage.inboxTokenHash): no inbox, nothing written, unless it matches. */
  tokenHash?: string | null;
}

export interface InboundStored {
  contactId: string;
  identityId: string;
  /** The identity (and its contact) was created by this statement. */
  newContact: boolean;
  conversationId: string;
  conversationCreated: boolean;
  /** The conversation carried SLA clocks when the message was stored (its row stays locked until commit). */
  slaRecord: boolean;
  /** Null: (inbox, external id) was already stored; the caller rolls the upsert back (a redelivery). */
  messageId: string | null;
  /** The events' summaries as the storing statement wrote the rows (the conversation's: as the statement left it). */
  summaries?: { conversation: ConversationSummary; message: MessageSummary };
}

/** The inbox as the storing statement read it. */
export interface StoreInbox {
  channel: ChannelKind;
  teamId: string | null;
  settingsVersion: string | null;
}

export interface SeenMessage {
  id: string;
  conversationId: string;
  contactId: string;
}

/** Exported for `bench/profile-ingest.mjs --explain`. */
export const PRECHECK = prepared(
  'ingest_precheck',
  `SELECT i.channel, i.team_id, i.active, m.external_id, m.id AS message_id, m.conversation_id, m.contact_id,
              (SELECT version::text FROM settings_version) AS settings_version
       FROM inboxes i
       -- One unique-index probe per external id, whatever the statistics say: as a join (or as
       -- \`external_id = ANY($2)\`) the planner, with statistics from before the inbox grew,
       -- read every message of the inbox (LIMIT 1 keeps the probe a subquery of its own).
       LEFT JOIN LATERAL (
         SELECT p.* FROM unnest($2::text[]) AS e(external_id)
         CROSS JOIN LATERAL (
           SELECT m.external_id, m.id, m.conversation_id, c.contact_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
           WHERE m.inbox_id = i.id AND m.external_id = e.external_id LIMIT 1
         ) p
       ) m ON true
       -- $3: an inbox token's hash to confirm (a push whose token no lookup confirmed): no row unless it is this active inbox's.
       WHERE i.id = $1 AND ($3::text IS NULL OR (i.token_hash = $3::text AND i.active))`,
);

/**
 * A message in one statement, the first of its transaction: it reads the inbox (channel, team) and
 * the settings version itself, so a single ingest sends no precheck before it. Nothing is written
 * unless the inbox exists and is of the message's channel (the caller then refuses the message);
 * a redelivery writes its thread's rows but no message (`message_id` null: the caller rolls back).
 * Always one row while the inbox exists: the identity and conversation columns are null when a
 * concurrent first message of the same sender holds the identity's unique key (this statement's
 * snapshot cannot see that row; the caller goes step by step).
 */
const STORE = prepared('ingest_store', storeStatement(false));

/**
 * STORE as a transaction of its own, sent with its COMMIT in ONE round trip (Transactions.commitOne):
 * it also writes the message's two outbox events itself, their payloads the summaries PostgreSQL
 * builds as the server's mappers would (row-mappers' CONVERSATION_SUMMARY_JSON and
 * MESSAGE_SUMMARY_JSON: every reader of the outbox gets the usual shape). Only for a message
 * that needs nothing beyond its rows: the caller checks what it can beforehand (no attachments, no
 * channel rows, no survey answer, no hook wanted under settings version $18), and the statement
 * refuses with `ingest_refuse` what only the database knows (a redelivery, the settings changed
 * since, a conversation with SLA clocks, an existing contact whose missing details the message
 * would fill): the transaction aborts, the COMMIT is skipped, nothing stays, and the caller stores
 * the message the usual way.
 */
export const STORE_AND_COMMIT = prepared('ingest_store_commit', storeStatement(true));

function storeStatement(oneRoundTrip: boolean): string {
  const ctes = `WITH inbox AS (
         -- $17: an inbox token's hash to confirm (a push whose token no lookup confirmed): nothing is written unless it is this active inbox's.
         SELECT channel, team_id FROM inboxes WHERE id = $7::uuid AND ($17::text IS NULL OR (token_hash = $17::text AND active))
       ), found AS (
         SELECT id, contact_id FROM contact_identities WHERE channel = $1::text AND address = $2::text
       ), made AS (
         -- The contact FK is deferred: the identity claims a fresh contact id before that row exists.
         INSERT INTO contact_identities (contact_id, channel, address)
         SELECT gen_random_uuid(), $1::text, $2::text WHERE NOT EXISTS (SELECT 1 FROM found) AND EXISTS (SELECT 1 FROM inbox WHERE channel = $1::text)
         ON CONFLICT (channel, address) DO NOTHING
         RETURNING id, contact_id
       ), new_contact AS (
         INSERT INTO contacts (id, name, email, phone, language) SELECT contact_id, $3::text, $4::text, $5::text, $6::text FROM made RETURNING id, name, number
       ), ident AS (
         SELECT id, contact_id, false AS new_contact FROM found
         UNION ALL SELECT id, contact_id, true FROM made
       ), conv AS (
         INSERT INTO conversations (inbox_id, channel, contact_id, contact_identity_id, thread_key, status, priority, team_id, subject, language, waiting_since, last_message_at)
         SELECT $7::uuid, $1::text, ident.contact_id, ident.id, $8::text,
           -- Bot-first inboxes: a new conversation is the inbox's bot's until it hands off (routing only takes 'open').
           ${newThreadStatus('$7::uuid')},
           $9::smallint, inbox.team_id, $10::text, $11::text, $12::timestamptz, $12::timestamptz
         FROM ident, inbox WHERE inbox.channel = $1::text
         ${openThreadConflict('*, (xmax = 0) AS created, (sla IS NOT NULL) AS has_sla')}
       ), msg AS (
         INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, html, external_id, status, metadata, created_at)
         SELECT conv.id, $7::uuid, 'inbound', 'message', 'contact', ident.contact_id, $13::text, $14::text, $15::text, NULL, $16::jsonb, $12::timestamptz
         FROM conv, ident
         ON CONFLICT (inbox_id, external_id) DO NOTHING
         RETURNING *
       )`;
  // The events' summaries as the rows were written (the same columns as MessageRepository.summaries):
  // this statement's own rows are not in its snapshot, so they come from the CTEs.
  const conversationFrom = `conv c
            CROSS JOIN LATERAL (SELECT name, number FROM new_contact WHERE id = c.contact_id
                                UNION ALL SELECT name, number FROM contacts WHERE id = c.contact_id LIMIT 1) ct
            LEFT JOIN LATERAL ${lastMessage('msg')} lm ON true`;
  const conversationSummary = `(SELECT row_to_json(x) FROM (SELECT ${CONVERSATION_COLUMNS} FROM ${conversationFrom}) x)`;
  const messageSummary = `(SELECT row_to_json(y) FROM (SELECT ${MESSAGE_COLUMNS} FROM msg m) y)`;
  const columns = `inbox.channel AS inbox_channel, inbox.team_id AS inbox_team_id, (SELECT version::text FROM settings_version) AS settings_version,
         ident.id AS identity_id, ident.contact_id, ident.new_contact, conv.id AS conversation_id, conv.created AS conversation_created, conv.has_sla, (SELECT id FROM msg) AS message_id`;
  if (!oneRoundTrip)
    return `${ctes}
       SELECT ${columns},
         ${conversationSummary} AS conversation,
         ${messageSummary} AS message
       FROM inbox LEFT JOIN ident ON true LEFT JOIN conv ON true`;
  // The events' payloads as the server's mappers would write them (row-mappers' *_SUMMARY_JSON): the
  // same summaries from the same CTEs. `checked` runs for the conversation's row before the events
  // are written (they select from it, and its refusals are volatile calls: never planned away); a
  // refusal aborts the statement, and the transaction with whatever the CTEs wrote.
  return `${ctes}, summary AS (
         SELECT (SELECT ${CONVERSATION_SUMMARY_JSON} FROM ${conversationFrom}) AS conversation,
                (SELECT ${MESSAGE_SUMMARY_JSON} FROM msg m) AS message
       ), checked AS MATERIALIZED (
         SELECT conv.id, CASE
           WHEN NOT EXISTS (SELECT 1 FROM msg) THEN ingest_refuse('redelivery')
           WHEN (SELECT version::text FROM settings_version) IS DISTINCT FROM $18::text THEN ingest_refuse('settings changed')
           WHEN conv.has_sla THEN ingest_refuse('SLA clocks')
           WHEN EXISTS (SELECT 1 FROM ident JOIN contacts ct ON ct.id = ident.contact_id WHERE NOT ident.new_contact AND ${lacksDetails('ct', ['$3', '$4', '$5', '$6'])})
             THEN ingest_refuse('contact details')
         END AS refused FROM conv
       ), events AS (
         INSERT INTO outbox_events (type, conversation_id, payload)
         SELECT e.type, checked.id, e.payload FROM checked, conv, summary
         CROSS JOIN LATERAL (VALUES (1, CASE WHEN conv.created THEN 'conversation.created' ELSE 'conversation.updated' END, summary.conversation),
                                    (2, 'message.created', summary.message)) e(n, type, payload)
         WHERE checked.refused IS NULL
         ORDER BY e.n
         RETURNING seq, payload
       )
       SELECT ident.contact_id, conv.id AS conversation_id, conv.created AS conversation_created, (SELECT id FROM msg) AS message_id,
         (SELECT json_agg(json_build_object('seq', seq, 'payload', payload) ORDER BY seq) FROM events) AS events
       FROM inbox LEFT JOIN ident ON true LEFT JOIN conv ON true`;
}

/**
 * STORE for many messages of one inbox and channel (a batch): each sender's identity once, each
 * thread's open conversation once (created with the details of its first message as the sender
 * listed them, `position`, and the time of its last), every message; one row per input in input
 * order. Identities are written in address order and conversations in thread order, so
 * concurrent batches lock in the same order. For the events' summaries (storeMany builds them,
 * no read after the write) it returns, on the first input of each thread, the summary of a thread
 * that was open already as this statement left it, or what PostgreSQL chose for a new one.
 */
const STORE_MANY = prepared(
  'ingest_store_many',
  `WITH v AS MATERIALIZED (
         SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                              $12::smallint[], $13::timestamptz[], $14::text[], $15::text[], $16::text[], $17::jsonb[], $18::int[])
           WITH ORDINALITY AS v(address, name, email, phone, contact_language, thread_key, subject, language, priority, at, text, html, external_id, metadata, position, ord)
       ), senders AS (
         SELECT DISTINCT ON (address) address, name, email, phone, contact_language FROM v ORDER BY address, position
       ), found AS (
         -- A unique-key probe per sender (a join read every identity of the channel on stale statistics).
         SELECT ci.id, ci.contact_id, s.address FROM senders s
         CROSS JOIN LATERAL (SELECT id, contact_id FROM contact_identities WHERE channel = $1::text AND address = s.address LIMIT 1) ci
       ), made AS (
         INSERT INTO contact_identities (contact_id, channel, address)
         SELECT gen_random_uuid(), $1::text, s.address FROM senders s WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.address = s.address) ORDER BY s.address
         ON CONFLICT (channel, address) DO NOTHING
         RETURNING id, contact_id, address
       ), new_contact AS (
         INSERT INTO contacts (id, name, email, phone, language)
         SELECT m.contact_id, s.name, s.email, s.phone, s.contact_language FROM made m JOIN senders s ON s.address = m.address RETURNING id, name, number
       ), ident AS (
         SELECT id, contact_id, address, false AS new_contact FROM found
         UNION ALL SELECT id, contact_id, address, true FROM made
       ), threads AS (
         SELECT DISTINCT ON (thread_key) thread_key, address, subject, language, priority, at AS first_at, max(at) OVER (PARTITION BY thread_key) AS last_at
         FROM v ORDER BY thread_key, position
       ), conv AS (
         INSERT INTO conversations (inbox_id, channel, contact_id, contact_identity_id, thread_key, status, priority, team_id, subject, language, waiting_since, last_message_at)
         SELECT $2::uuid, $1::text, i.contact_id, i.id, t.thread_key,
           ${newThreadStatus('$2::uuid')},
           t.priority, $3::uuid, t.subject, t.language, t.first_at, t.last_at
         FROM threads t JOIN ident i ON i.address = t.address
         ORDER BY t.thread_key
         ${openThreadConflict('*, (xmax = 0) AS created, (sla IS NOT NULL) AS has_sla')}
       ), msg AS (
         INSERT INTO messages (conversation_id, inbox_id, direction, kind, author_type, author_id, text, html, external_id, status, metadata, created_at)
         SELECT c.id, $2::uuid, 'inbound', 'message', 'contact', i.contact_id, v.text, v.html, v.external_id, NULL, v.metadata, v.at
         FROM v JOIN conv c ON c.thread_key = v.thread_key JOIN ident i ON i.address = v.address
         ORDER BY v.ord
         ON CONFLICT (inbox_id, external_id) DO NOTHING
         RETURNING id, external_id
       ), latest_written AS (
         -- Each thread's latest message of this batch (as lastMessage orders them).
         SELECT DISTINCT ON (v.thread_key) v.thread_key, left(v.text, 200) AS text, i.contact_id AS author_id, v.at AS created_at, m.id
         FROM v JOIN msg m ON m.external_id = v.external_id JOIN ident i ON i.address = v.address
         ORDER BY v.thread_key, v.at DESC, m.id DESC
       ), open_before AS (
         -- The summary of a thread that was open already, as this statement left it (its own rows are
         -- not in its snapshot): the conversation from the upsert; its latest message the batch's
         -- unless the table holds a later one. A new thread's summary is built from what was written.
         SELECT c.id, (SELECT row_to_json(x) FROM (SELECT ${CONVERSATION_COLUMNS}) x) AS summary
         FROM conv c
         -- Primary-key probes, whatever the statistics say (a hash join read every contact).
         CROSS JOIN LATERAL (SELECT name, number FROM contacts WHERE id = c.contact_id LIMIT 1) ct
         LEFT JOIN latest_written w ON w.thread_key = c.thread_key
         LEFT JOIN LATERAL (SELECT left(m0.text, 200) AS text, m0.author_type, m0.author_id, m0.created_at, m0.id FROM messages m0
                            WHERE m0.conversation_id = c.id AND m0.kind NOT IN ('note', 'activity')
                            ORDER BY m0.created_at DESC, m0.id DESC LIMIT 1) t ON true
         LEFT JOIN LATERAL (SELECT * FROM (VALUES (w.text, 'contact', w.author_id, w.created_at, w.id), (t.text, t.author_type, t.author_id, t.created_at, t.id))
                              AS u(text, author_type, author_id, created_at, id)
                            WHERE u.created_at IS NOT NULL ORDER BY u.created_at DESC, u.id DESC LIMIT 1) lm ON true
         WHERE NOT c.created
       )
       SELECT i.id AS identity_id, i.contact_id, i.new_contact, c.id AS conversation_id, c.created AS conversation_created, c.has_sla, m.id AS message_id,
         -- On each thread's first input: what a new thread's summary needs beyond the inputs, or the summary of one open before.
         CASE WHEN v.first AND c.created THEN c.status END AS status,
         CASE WHEN v.first AND c.created THEN c.created_at END AS created_at,
         CASE WHEN v.first AND c.created THEN coalesce(nc.name, ct.name) END AS contact_name,
         CASE WHEN v.first AND c.created THEN coalesce(nc.number, ct.number) END AS contact_number,
         CASE WHEN v.first THEN ob.summary END AS conversation
       FROM (SELECT *, row_number() OVER (PARTITION BY thread_key ORDER BY ord) = 1 AS first FROM v) v
       LEFT JOIN ident i ON i.address = v.address
       LEFT JOIN conv c ON c.thread_key = v.thread_key
       LEFT JOIN msg m ON m.external_id = v.external_id
       LEFT JOIN open_before ob ON ob.id = c.id
       LEFT JOIN new_contact nc ON nc.id = c.contact_id
       LEFT JOIN LATERAL (SELECT name, number FROM contacts WHERE v.first AND c.created AND nc.id IS NULL AND id = c.contact_id LIMIT 1) ct ON true
       ORDER BY v.ord`,
);

/** STORE's parameters ($1 to $17). */
function storeParams(w: InboundWrite): unknown[] {
  return [
    w.channel,
    w.address,
    w.contact.name ?? null,
    w.contact.email ?? null,
    w.contact.phone ?? null,
    w.contact.language ?? null,
    w.inboxId,
    w.threadKey,
    w.priority,
    w.subject,
    w.language,
    w.at,
    w.text,
    w.html,
    w.externalId,
    JSON.stringify(w.metadata),
    w.tokenHash ?? null,
  ];
}

/** STORE_AND_COMMIT's parameters: STORE's, then the settings version under which the message needs no hook. */
export function storeAndCommitParams(w: InboundWrite, quietVersion: string): unknown[] {
  return [...storeParams(w), quietVersion];
}

/** A row of STORE_AND_COMMIT. */
export interface CommittedRow {
  contact_id: string | null;
  conversation_id: string | null;
  conversation_created: boolean | null;
  message_id: string | null;
  /** The outbox rows it wrote, in sequence order: the conversation's event, then the message's. */
  events: Array<{ seq: number; payload: unknown }> | null;
}

/** What STORE_AND_COMMIT committed, with its events; null when it wrote nothing (no such inbox, another channel, a concurrent first message of the sender). */
export function committedMessage(row: CommittedRow | undefined): {
  contactId: string;
  conversationId: string;
  conversationCreated: boolean;
  messageId: string;
  events: [{ seq: number; payload: ConversationSummary }, { seq: number; payload: MessageSummary }];
} | null {
  if (!row?.conversation_id || !row.message_id || row.events?.length !== 2) return null;
  const [conversation, message] = row.events;
  return {
    contactId: row.contact_id!,
    conversationId: row.conversation_id,
    conversationCreated: Boolean(row.conversation_created),
    messageId: row.message_id,
    events: [
      { seq: Number(conversation.seq), payload: conversation.payload as ConversationSummary },
      { seq: Number(message.seq), payload: message.payload as MessageSummary },
    ],
  };
}

/**
 * The write side of ingest in as few round trips as the invariants allow. The same rows, the
 * same unique indexes and the same lock order as the step-by-step path in the contact,
 * conversation and message repositories (identity → conversation → message: each CTE feeds the
 * next, so PostgreSQL takes the locks in that order).
 */
@Injectable()
export class InboundRepository {
  /**
   * What ingest needs before it writes, in one round trip: the inbox (null when unknown), the
   * messages already stored under these external ids, with their conversation's contact, and the
   * settings version (rules and policies are then read from the cache; see settingsPerVersion).
   */
  async precheck(
    em: EntityManager,
    inboxId: string,
    externalIds: string[],
    /** An inbox token's hash to confirm: the inbox is null unless it is active and has this token. */
    tokenHash: string | null = null,
  ): Promise<{ inbox: { channel: string; teamId: string | null; active: boolean; settingsVersion: string | null } | null; seen: Map<string, SeenMessage> }> {
    const rows = await queryRows<{
      channel: string;
      team_id: string | null;
      active: boolean;
      external_id: string | null;
      message_id: string | null;
      conversation_id: string | null;
      contact_id: string | null;
      settings_version: string | null;
    }>(em, PRECHECK, [inboxId, externalIds, tokenHash]);
    const seen = new Map<string, SeenMessage>();
    if (!rows.length) return { inbox: null, seen };
    for (const r of rows) if (r.message_id && r.external_id) seen.set(r.external_id, { id: r.message_id, conversationId: r.conversation_id!, contactId: r.contact_id! });
    return { inbox: { channel: rows[0].channel, teamId: rows[0].team_id, active: rows[0].active, settingsVersion: rows[0].settings_version }, seen };
  }

  /** A message stored by a transaction that committed after the precheck (or earlier in this one). */
  async seen(em: EntityManager, inboxId: string, externalId: string): Promise<SeenMessage | null> {
    const [row] = await queryRows<{ id: string; conversation_id: string; contact_id: string }>(
      em,
      `SELECT m.id, m.conversation_id, c.contact_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.inbox_id = $1 AND m.external_id = $2`,
      [inboxId, externalId],
    );
    return row ? { id: row.id, conversationId: row.conversation_id, contactId: row.contact_id } : null;
  }

  /**
   * Identity (created with its contact when new), the open conversation of the thread (upserted
   * on the partial unique index) and the message (unique per inbox and external id) in ONE
   * statement (STORE), which also reads the inbox (and confirms `w.tokenHash`) and the settings
   * version and returns the events' summaries of what it wrote. The team of a new conversation is
   * the inbox's (`w.teamId` is not read). `inbox` null: no such inbox (or not the token's), nothing
   * written. `stored` null: the inbox is of another
   * channel (nothing written), or a concurrent first message of the same sender is inserting the
   * identity right now: this statement's snapshot cannot see the winner's row, so the caller takes
   * the step-by-step path, whose next statement does.
   */
  async store(em: EntityManager, w: InboundWrite): Promise<{ inbox: StoreInbox | null; stored: InboundStored | null }> {
    const [row] = await queryRows<{
      inbox_channel: ChannelKind;
      inbox_team_id: string | null;
      settings_version: string | null;
      identity_id: string | null;
      contact_id: string;
      new_contact: boolean;
      conversation_id: string | null;
      conversation_created: boolean | null;
      has_sla: boolean | null;
      message_id: string | null;
      conversation: ConversationSummaryRow | null;
      message: MessageSummaryRow | null;
    }>(em, STORE, storeParams(w));
    if (!row) return { inbox: null, stored: null };
    const inbox = { channel: row.inbox_channel, teamId: row.inbox_team_id, settingsVersion: row.settings_version };
    if (!row.conversation_id) return { inbox, stored: null };
    return {
      inbox,
      stored: {
        contactId: row.contact_id,
        identityId: row.identity_id!,
        newContact: row.new_contact,
        conversationId: row.conversation_id,
        conversationCreated: Boolean(row.conversation_created),
        slaRecord: Boolean(row.has_sla),
        messageId: row.message_id,
        summaries: row.conversation && row.message ? { conversation: toConversationSummary(row.conversation), message: toMessageSummary(row.message) } : undefined,
      },
    };
  }

  /**
   * `store` for many messages of one inbox in ONE statement, one answer per input in input order
   * (external ids distinct). Null for an input whose sender's identity or thread a concurrent
   * transaction is creating right now (the caller stores it with `store`); `conversationCreated`
   * only on the first input of a new conversation; a null `messageId` is a redelivery. Each
   * stored message's summaries: its own, and its conversation's as the whole statement left it.
   */
  async storeMany(
    em: EntityManager,
    inbox: { id: string; channel: ChannelKind; teamId: string | null },
    ws: Array<InboundWrite & { position: number }>,
  ): Promise<Array<InboundStored | null>> {
    const rows = await queryRows<StoredManyRow & { identity_id: string | null; new_contact: boolean | null; has_sla: boolean | null }>(em, STORE_MANY, [
      inbox.channel,
      inbox.id,
      inbox.teamId,
      ws.map((w) => w.address),
      ws.map((w) => w.contact.name ?? null),
      ws.map((w) => w.contact.email ?? null),
      ws.map((w) => w.contact.phone ?? null),
      ws.map((w) => w.contact.language ?? null),
      ws.map((w) => w.threadKey),
      ws.map((w) => w.subject),
      ws.map((w) => w.language),
      ws.map((w) => w.priority),
      ws.map((w) => w.at),
      ws.map((w) => w.text),
      ws.map((w) => w.html),
      ws.map((w) => w.externalId),
      ws.map((w) => JSON.stringify(w.metadata)),
      ws.map((w) => w.position),
    ]);
    // New conversation and new contact are told once, on the first input, as one-by-one ingest
    // would: a sender's later inputs may still fill the contact's missing details.
    const opened = new Set<string>();
    const introduced = new Set<string>();
    const conversations = summariesWritten(inbox, ws, rows);
    return rows.map((r, k) => {
      if (!r.conversation_id || !r.identity_id || !r.contact_id) return null;
      const first = Boolean(r.conversation_created) && !opened.has(r.conversation_id);
      if (first) opened.add(r.conversation_id);
      const newContact = Boolean(r.new_contact) && !introduced.has(r.identity_id);
      if (newContact) introduced.add(r.identity_id);
      const conversation = conversations.get(r.conversation_id);
      return {
        contactId: r.contact_id,
        identityId: r.identity_id,
        newContact,
        conversationId: r.conversation_id,
        conversationCreated: first,
        slaRecord: Boolean(r.has_sla),
        messageId: r.message_id,
        summaries: conversation && r.message_id ? { conversation, message: messageWritten(inbox, ws[k], r.conversation_id, r.contact_id, r.message_id) } : undefined,
      };
    });
  }
}

/** A row of STORE_MANY's answer (one per input). */
interface StoredManyRow {
  contact_id: string | null;
  conversation_id: string | null;
  conversation_created: boolean | null;
  message_id: string | null;
  status: ConversationSummaryRow['status'] | null;
  created_at: Date | null;
  contact_name: string | null;
  contact_number: string | null;
  conversation: ConversationSummaryRow | null;
}

/**
 * What PostgreSQL keeps of a string: its UTF-8 encoding, where a lone surrogate (valid in a
 * JavaScript string, not in UTF-8) became U+FFFD on the way in, as pg's Buffer encoding writes it.
 */
const stored = (s: string | null): string | null => (s === null ? null : (s as string & { toWellFormed(): string }).toWellFormed());

/** `left(text, 200)` as PostgreSQL counts: characters (code points), not UTF-16 units. */
const left200 = (s: string): string => (s.length <= 200 ? s : Array.from(s).slice(0, 200).join(''));

/**
 * The conversations' summaries as STORE_MANY left them, by conversation: an open thread's as the
 * statement returned it; a new thread's from what the statement wrote (the thread's first input by
 * `position`, its latest message, the columns' defaults) and the few values PostgreSQL chose (id,
 * status, contact number, time), through the same mapper as a read. A conversation the batch
 * opened has no other rows: nothing else could be in its summary.
 */
function summariesWritten(
  inbox: { id: string; channel: ChannelKind; teamId: string | null },
  ws: Array<InboundWrite & { position: number }>,
  rows: StoredManyRow[],
): Map<string, ConversationSummary> {
  const out = new Map<string, ConversationSummary>();
  const threads = new Map<string, { first: number; latest: number | null; lastAt: number; created: StoredManyRow }>();
  rows.forEach((r, k) => {
    if (!r.conversation_id) return;
    if (r.conversation) out.set(r.conversation_id, toConversationSummary(r.conversation));
    if (!r.conversation_created) return;
    const t = threads.get(r.conversation_id);
    if (!t) {
      // The thread's first row (rows come in input order) carries what PostgreSQL chose for it.
      threads.set(r.conversation_id, { first: k, latest: r.message_id ? k : null, lastAt: ws[k].at.getTime(), created: r });
      return;
    }
    if (ws[k].position < ws[t.first].position) t.first = k;
    t.lastAt = Math.max(t.lastAt, ws[k].at.getTime());
    if (r.message_id) {
      const l = t.latest;
      const later = l === null || ws[k].at.getTime() > ws[l].at.getTime() || (ws[k].at.getTime() === ws[l].at.getTime() && r.message_id > rows[l].message_id!);
      if (later) t.latest = k;
    }
  });
  for (const [id, t] of threads) {
    const c = t.created;
    if (!c.created_at || !c.status || c.contact_number === null) continue;
    const first = ws[t.first];
    const latest = t.latest === null ? null : { w: ws[t.latest], r: rows[t.latest] };
    out.set(
      id,
      toConversationSummary({
        id,
        inbox_id: inbox.id,
        channel: inbox.channel,
        contact_id: rows[t.first].contact_id!,
        contact_name: c.contact_name,
        contact_number: c.contact_number,
        status: c.status,
        priority: first.priority,
        assignee_id: null,
        team_id: inbox.teamId,
        labels: [],
        subject: stored(first.subject),
        language: stored(first.language),
        assignment_reason: null,
        waiting_since: first.at,
        first_response_at: null,
        resolved_at: null,
        snoozed_until: null,
        last_message_at: new Date(t.lastAt),
        // A new row: both columns default to the transaction's time.
        created_at: c.created_at,
        updated_at: c.created_at,
        sla: null,
        sla_state: null,
        sla_due_at: null,
        last_text: latest && left200(stored(latest.w.text)!),
        last_author_type: latest && 'contact',
        last_author_id: latest && latest.r.contact_id,
        last_created_at: latest && latest.w.at,
      }),
    );
  }
  return out;
}

/** A message's summary as STORE_MANY wrote it (a plain inbound message: no attachments, no delivery state). */
function messageWritten(inbox: { id: string }, w: InboundWrite, conversationId: string, contactId: string, messageId: string): MessageSummary {
  return toMessageSummary({
    id: messageId,
    conversation_id: conversationId,
    inbox_id: inbox.id,
    direction: 'inbound',
    kind: 'message',
    author_type: 'contact',
    author_id: contactId,
    text: stored(w.text)!,
    html: stored(w.html),
    external_id: stored(w.externalId)!,
    status: null,
    error: null,
    attempts: 0,
    delivery_deadline: null,
    // The object that was written (jsonb gives the same keys and values back, in its own key order).
    metadata: w.metadata as MessageSummary['metadata'],
    sent_at: null,
    created_at: w.at,
    attachments: [],
  });
}
