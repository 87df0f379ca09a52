import type { AttachmentSummary, ConversationSla, ConversationSummary, MessageSummary, SlaClockKindName } from '@inbox/realtime-contract';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export const CONVERSATION_COLUMNS = `c.id, c.inbox_id, c.channel, c.contact_id, ct.name AS contact_name, ct.number AS contact_number, c.status, c.priority,
  c.assignee_id, c.team_id, c.labels, c.subject, c.language, c.assignment_reason, c.waiting_since,
  c.first_response_at, c.resolved_at, c.snoozed_until, c.last_message_at, c.created_at, c.updated_at,
  c.sla, c.sla_state, c.sla_due_at, lm.text AS last_text, lm.author_type AS last_author_type, lm.author_id AS last_author_id, lm.created_at AS last_created_at`;
/**
 * The latest message (not a note: bots and webhooks see summaries; not an activity line) comes from
 * one backward step on messages_conversation_idx per conversation, and only its first 200 characters.
 * `rows`: the table, or a CTE of conversations rows (a statement's own updated rows, which its
 * snapshot does not show).
 */
export const conversationFrom = (rows = 'conversations') => `${rows} c JOIN contacts ct ON ct.id = c.contact_id
  LEFT JOIN LATERAL ${lastMessage('')} lm ON true`;
export const CONVERSATION_FROM = conversationFrom();

/**
 * Summary rows of the conversations whose ids are in the uuid array `param`: one primary-key probe
 * per id (a LIMIT 1 subquery each). As \`c.id = ANY(param)\`, statistics from before the table
 * grew made the planner scan it whole and filter every row against the array.
 */
export const conversationSummariesByIds = (param: string) =>
  `SELECT x.* FROM unnest(${param}::uuid[]) AS k(id) CROSS JOIN LATERAL (SELECT ${CONVERSATION_COLUMNS} FROM ${CONVERSATION_FROM} WHERE c.id = k.id LIMIT 1) x`;

/**
 * The latest message subquery of CONVERSATION_FROM (for conversation `c`). `written`: messages
 * the caller's own statement is inserting (a CTE with the messages table's columns), which its
 * snapshot cannot see in the table: they take part as if stored.
 */
export function lastMessage(written: string): string {
  const from = written
    ? `(SELECT text, author_type, author_id, created_at, id, conversation_id, kind FROM ${written}
        UNION ALL SELECT text, author_type, author_id, created_at, id, conversation_id, kind FROM messages) m0`
    : 'messages m0';
  return `(SELECT left(m0.text, 200) AS text, m0.author_type, m0.author_id, m0.created_at FROM ${from}
    WHERE m0.conversation_id = c.id AND m0.kind NOT IN ('note', 'activity')
    ORDER BY m0.created_at DESC, m0.id DESC LIMIT 1)`;
}

/** A row of CONVERSATION_COLUMNS FROM CONVERSATION_FROM. */
export interface ConversationSummaryRow {
  id: string;
  inbox_id: string;
  channel: ConversationSummary['channel'];
  contact_id: string;
  contact_name: string | null;
  /** bigint: text from pg. */
  contact_number: string | null;
  status: ConversationSummary['status'];
  priority: number;
  assignee_id: string | null;
  team_id: string | null;
  labels: string[] | null;
  subject: string | null;
  language: string | null;
  assignment_reason: ConversationSummary['assignmentReason'];
  waiting_since: Date | null;
  first_response_at: Date | null;
  resolved_at: Date | null;
  snoozed_until: Date | null;
  last_message_at: Date;
  created_at: Date;
  updated_at: Date;
  sla: StoredSla | null;
  sla_state: ConversationSla['state'] | null;
  sla_due_at: Date | null;
  last_text: string | null;
  last_author_type: NonNullable<ConversationSummary['lastMessage']>['authorType'] | null;
  last_author_id: string | null;
  last_created_at: Date | null;
}

export function toConversationSummary(r: ConversationSummaryRow): ConversationSummary {
  return {
    id: r.id,
    inboxId: r.inbox_id,
    channel: r.channel,
    contactId: r.contact_id,
    contactName: r.contact_name ?? null,
    contactNumber: Number(r.contact_number),
    status: r.status,
    priority: Number(r.priority),
    assigneeId: r.assignee_id,
    teamId: r.team_id,
    labels: r.labels ?? [],
    subject: r.subject,
    language: r.language,
    assignmentReason: r.assignment_reason,
    waitingSince: iso(r.waiting_since),
    firstResponseAt: iso(r.first_response_at),
    resolvedAt: iso(r.resolved_at),
    snoozedUntil: iso(r.snoozed_until),
    sla: toConversationSla(r),
    lastMessage: r.last_created_at ? { text: r.last_text ?? '', authorType: r.last_author_type!, authorId: r.last_author_id ?? null, createdAt: iso(r.last_created_at)! } : null,
    lastMessageAt: iso(r.last_message_at)!,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

type StoredClock = { kind: SlaClockKindName; dueAt: number | null; metAt: number | null; stoppedAt: number | null };
type StoredSla = {
  policyId: string;
  policyName: string;
  pausedAt: number | null;
  clocks: StoredClock[];
  breaches: Array<{ kind: SlaClockKindName; dueAt: number; breachedAt: number }>;
};

/** The flat view of the SLA record the SLA service keeps in `conversations.sla` (epoch ms inside). */
function toConversationSla(r: Pick<ConversationSummaryRow, 'sla' | 'sla_state' | 'sla_due_at'>): ConversationSla | null {
  const s = r.sla;
  if (!s || !r.sla_state) return null;
  const msIso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());
  const dueOf = (kind: SlaClockKindName) => {
    const clocks = s.clocks.filter((c) => c.kind === kind);
    const c = clocks.find((x) => x.metAt === null && x.stoppedAt === null) ?? clocks[clocks.length - 1];
    return c ? msIso(c.dueAt) : null;
  };
  return {
    policyId: s.policyId,
    policyName: s.policyName,
    firstResponseDueAt: dueOf('first_response'),
    nextResponseDueAt: dueOf('next_response'),
    resolutionDueAt: dueOf('resolution'),
    dueAt: s.pausedAt === null ? iso(r.sla_due_at) : null,
    state: r.sla_state,
    paused: s.pausedAt !== null,
    breaches: (s.breaches ?? []).map((b) => ({ kind: b.kind, dueAt: msIso(b.dueAt)!, breachedAt: msIso(b.breachedAt)! })),
  };
}

/** `iso` in SQL: a timestamptz as toISOString() writes it (UTC; microseconds cut to milliseconds, as a JavaScript Date cuts them). */
const isoSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * toConversationSummary written by PostgreSQL, for a statement that stores an event's payload
 * without a round trip back to the server (the one-round-trip ingest's outbox rows:
 * InboundRepository's STORE_AND_COMMIT), so every reader of the outbox (socket replay, the webhook
 * sweeper, a replica of any version) gets the shape it always got. For `c`, a conversation WITHOUT
 * SLA clocks (the statement refuses one with clocks: its summary would need toConversationSla),
 * `ct` its contact's name and number and `lm` its latest message, as CONVERSATION_COLUMNS reads
 * them. `test/ingest-one-round-trip.e2e-spec.ts` holds it equal to toConversationSummary.
 */
export const CONVERSATION_SUMMARY_JSON = `jsonb_build_object(
    'id', c.id, 'inboxId', c.inbox_id, 'channel', c.channel, 'contactId', c.contact_id, 'contactName', ct.name,
    'contactNumber', coalesce(ct.number, 0), 'status', c.status, 'priority', c.priority, 'assigneeId', c.assignee_id,
    'teamId', c.team_id, 'labels', coalesce(to_jsonb(c.labels), '[]'::jsonb), 'subject', c.subject, 'language', c.language,
    'assignmentReason', c.assignment_reason, 'waitingSince', ${isoSql('c.waiting_since')}, 'firstResponseAt', ${isoSql('c.first_response_at')},
    'resolvedAt', ${isoSql('c.resolved_at')}, 'snoozedUntil', ${isoSql('c.snoozed_until')}, 'sla', NULL::jsonb,
    'lastMessage', CASE WHEN lm.created_at IS NULL THEN NULL ELSE jsonb_build_object(
      'text', coalesce(lm.text, ''), 'authorType', lm.author_type, 'authorId', lm.author_id, 'createdAt', ${isoSql('lm.created_at')}) END,
    'lastMessageAt', ${isoSql('c.last_message_at')}, 'createdAt', ${isoSql('c.created_at')}, 'updatedAt', ${isoSql('c.updated_at')})`;

/**
 * toMessageSummary written by PostgreSQL (see CONVERSATION_SUMMARY_JSON), for `m`, a messages row
 * WITHOUT attachments (a statement cannot see attachments it did not write; the one-round-trip
 * ingest takes no message with attachments).
 */
export const MESSAGE_SUMMARY_JSON = `jsonb_build_object(
    'id', m.id, 'conversationId', m.conversation_id, 'inboxId', m.inbox_id, 'direction', m.direction, 'kind', m.kind,
    'authorType', m.author_type, 'authorId', m.author_id, 'text', m.text, 'html', m.html, 'externalId', m.external_id,
    'status', m.status, 'error', m.error, 'attempts', m.attempts,
    'deliveryDeadline', CASE WHEN m.status IN ('queued', 'sending') THEN ${isoSql('m.delivery_deadline')} END,
    'metadata', coalesce(m.metadata, '{}'::jsonb), 'attachments', '[]'::jsonb, 'sentAt', ${isoSql('m.sent_at')}, 'createdAt', ${isoSql('m.created_at')})`;

export const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.inbox_id, m.direction, m.kind, m.author_type, m.author_id, m.text, m.html,
  m.external_id, m.status, m.error, m.attempts, m.delivery_deadline, m.metadata, m.sent_at, m.created_at,
  coalesce((SELECT json_agg(json_build_object('id', a.id, 'fileName', a.file_name, 'contentType', a.content_type, 'size', a.size) ORDER BY a.created_at)
            FROM attachments a WHERE a.message_id = m.id), '[]') AS attachments`;

/** A row of MESSAGE_COLUMNS. */
export interface MessageSummaryRow {
  id: string;
  conversation_id: string;
  inbox_id: string;
  direction: MessageSummary['direction'];
  kind: MessageSummary['kind'];
  author_type: MessageSummary['authorType'];
  author_id: string | null;
  text: string;
  html: string | null;
  external_id: string | null;
  status: MessageSummary['status'];
  error: string | null;
  attempts: number;
  delivery_deadline: Date | null;
  metadata: MessageSummary['metadata'] | null;
  sent_at: Date | null;
  created_at: Date;
  attachments: Array<Omit<AttachmentSummary, 'url'>> | null;
}

export function toMessageSummary(r: MessageSummaryRow): MessageSummary {
  const attachments: AttachmentSummary[] = (r.attachments ?? []).map((a) => ({
    ...a,
    url: `/api/v1/attachments/${a.id}`,
  }));
  return {
    id: r.id,
    conversationId: r.conversation_id,
    inboxId: r.inbox_id,
    direction: r.direction,
    kind: r.kind,
    authorType: r.author_type,
    authorId: r.author_id,
    text: r.text,
    html: r.html,
    externalId: r.external_id,
    status: r.status,
    error: r.error,
    attempts: Number(r.attempts),
    deliveryDeadline: (r.status === 'queued' || r.status === 'sending') && r.delivery_deadline ? iso(r.delivery_deadline) : null,
    metadata: r.metadata ?? {},
    attachments,
    sentAt: iso(r.sent_at),
    createdAt: iso(r.created_at)!,
  };
}
