import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { prepared, queryRows, useSettingsVersion } from '../db/sql';
import type { ConversationSummary, MessageSummary } from '@inbox/realtime-contract';
import {
  CONVERSATION_COLUMNS,
  CONVERSATION_FROM,
  ConversationSummaryRow,
  MESSAGE_COLUMNS,
  MessageSummaryRow,
  conversationSummariesByIds,
  lastMessage,
  toConversationSummary,
  toMessageSummary,
} from './row-mappers';
import { ActivityLine, insertActivitySql } from './message.repository';
import type { ChannelKind, ConversationStatus } from '../entities/enums';
import { ConversationCursor, ConversationSlaFilter, ConversationSort, ORDER_KEY_COLUMNS, OrderKeyRow, afterCursorSql, orderBySql } from '../conversations/conversation-order';

export interface ConversationListFilter {
  status?: ConversationStatus[];
  inboxId?: string;
  assigneeId?: string | null; // null = unassigned
  teamId?: string;
  contactId?: string;
  label?: string;
  channel?: ChannelKind[];
  priority?: number[];
  /** Agents see only conversations of the inboxes they belong to. */
  visibleToUserId?: string;
  /** Scoped bots see only their inboxes. */
  inboxIds?: string[];
  /** SLA states to keep; `none` = conversations no service level applies to. */
  sla?: ConversationSlaFilter[];
  /** Default `newest`; the cursor must come from a page of the same order. */
  sort?: ConversationSort;
  cursor?: ConversationCursor;
  limit: number;
}

export interface OpenThreadUpsert {
  inboxId: string;
  channel: ChannelKind;
  contactId: string;
  /** The identity the message came from: replies of a new conversation go there. */
  identityId: string;
  threadKey: string;
  teamId: string | null;
  subject: string | null;
  language: string | null;
  priority: number;
  at: Date;
}

/** A new conversation's status: in a bot-first inbox (`inboxParam`) it is the bot's until it hands off. */
export const newThreadStatus = (inboxParam: string) =>
  `CASE WHEN EXISTS (SELECT 1 FROM inboxes i JOIN bots b ON b.id = i.bot_id AND b.active WHERE i.id = ${inboxParam}) THEN 'bot' ELSE 'open' END`;

/** What the open-thread upsert returns by default: the row's id and thread, whether it is new, whether it has SLA clocks. */
const OPEN_THREAD_RETURNING = `id, thread_key, (xmax = 0) AS created, (sla IS NOT NULL) AS has_sla`;

/**
 * What a message does to its thread's open conversation when one exists (the partial unique index
 * on inbox and thread key): re-opens a pending or snoozed one, keeps the first waiting time. Shared
 * by the one-statement ingest (InboundRepository) and the step-by-step path here.
 */
export const openThreadConflict = (returning = OPEN_THREAD_RETURNING) => `ON CONFLICT (inbox_id, thread_key) WHERE status <> 'resolved'
 DO UPDATE SET
   last_message_at = GREATEST(conversations.last_message_at, EXCLUDED.last_message_at),
   status = CASE WHEN conversations.status IN ('pending', 'snoozed') THEN 'open' ELSE conversations.status END,
   snoozed_until = CASE WHEN conversations.status IN ('pending', 'snoozed') THEN NULL ELSE conversations.snoozed_until END,
   waiting_since = coalesce(conversations.waiting_since, EXCLUDED.waiting_since),
   updated_at = now()
 RETURNING ${returning}`;

/**
 * Whether the user `$2` belongs to the conversation's inbox (null when no user is given): what
 * AccessService decides an agent's access by, read with the conversation instead of after it.
 */
const VIEWER_MEMBER = `CASE WHEN $2::uuid IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM inbox_members im WHERE im.inbox_id = c.inbox_id AND im.user_id = $2::uuid) END AS viewer_member`;

const SUMMARY_FOR_VIEWER = prepared('conversation_summary_viewer', `SELECT ${CONVERSATION_COLUMNS}, ${VIEWER_MEMBER} FROM ${CONVERSATION_FROM} WHERE c.id = $1`);

const LOCK_SUMMARY = prepared(
  'conversation_lock_summary',
  `SELECT ${CONVERSATION_COLUMNS}, ${VIEWER_MEMBER}, (SELECT version::text FROM settings_version) AS settings_version FROM ${CONVERSATION_FROM} WHERE c.id = $1 FOR UPDATE OF c`,
);

/** A conversation and, when asked for a user, whether that user is a member of its inbox. */
export interface ViewedConversation {
  conv: ConversationSummary;
  viewerMember: boolean | null;
}

@Injectable()
export class ConversationRepository {
  /**
   * Finds the open conversation of a thread or opens one, race-free: the partial unique
   * index serialises concurrent ingests of one thread. A customer writing again
   * re-opens a pending or snoozed conversation. In a bot-first inbox a new one starts as the bot's.
   */
  async upsertOpenThread(em: EntityManager, u: OpenThreadUpsert): Promise<{ id: string; created: boolean; slaRecord: boolean }> {
    const [row] = await queryRows<{ id: string; created: boolean; has_sla: boolean }>(
      em,
      `INSERT INTO conversations (inbox_id, channel, contact_id, contact_identity_id, thread_key, status, priority, team_id, subject, language, waiting_since, last_message_at)
       VALUES ($1, $2, $3, $10, $4,
         -- Bot-first inboxes: a new conversation is the inbox's bot's until it hands off (routing only takes 'open').
         ${newThreadStatus('$1')},
         $5, $6, $7, $8, $9, $9)
       ${openThreadConflict()}`,
      [u.inboxId, u.channel, u.contactId, u.threadKey, u.priority, u.teamId, u.subject, u.language, u.at, u.identityId],
    );
    return { id: row.id, created: row.created, slaRecord: row.has_sla };
  }

  /** The summary and whether `viewerId` (null: nobody) belongs to its inbox, in one statement. */
  async summaryForViewer(em: EntityManager, id: string, viewerId: string | null): Promise<ViewedConversation | null> {
    const [row] = await queryRows<ConversationSummaryRow & { viewer_member: boolean | null }>(em, SUMMARY_FOR_VIEWER, [id, viewerId]);
    return row ? { conv: toConversationSummary(row), viewerMember: row.viewer_member } : null;
  }

  async summary(em: EntityManager, id: string): Promise<ConversationSummary | null> {
    const [row] = await queryRows<ConversationSummaryRow>(em, `SELECT ${CONVERSATION_COLUMNS} FROM ${CONVERSATION_FROM} WHERE c.id = $1`, [id]);
    return row ? toConversationSummary(row) : null;
  }

  /** Summaries of many conversations in one round trip (missing ids are left out). */
  async summariesOf(em: EntityManager, ids: string[]): Promise<Map<string, ConversationSummary>> {
    if (!ids.length) return new Map();
    const rows = await queryRows<ConversationSummaryRow>(em, conversationSummariesByIds('$1'), [ids]);
    return new Map(rows.map((r) => [r.id, toConversationSummary(r)]));
  }

  /**
   * Locks the conversation's row and reads its summary in one statement: the conversation's own
   * columns are those of the row as locked (after any writer it waited for); the contact's name
   * and the last message come from the statement's snapshot. It also tells the transaction its
   * settings version, so the hooks of the change take automation rules and SLA policies from the
   * process's cache (see settingsPerVersion) instead of reading them again.
   */
  async lockForUpdate(em: EntityManager, id: string, viewerId: string | null): Promise<ViewedConversation | null> {
    const [row] = await queryRows<ConversationSummaryRow & { viewer_member: boolean | null; settings_version: string | null }>(em, LOCK_SUMMARY, [id, viewerId]);
    if (!row) return null;
    useSettingsVersion(em, row.settings_version);
    return { conv: toConversationSummary(row), viewerMember: row.viewer_member };
  }

  /** One page in the requested order; each row carries its exact sort key, for the next cursor. */
  async list(em: EntityManager, f: ConversationListFilter): Promise<Array<{ summary: ConversationSummary; key: OrderKeyRow }>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.status?.length) where.push(`c.status = ANY(${p(f.status)}::text[])`);
    if (f.inboxId) where.push(`c.inbox_id = ${p(f.inboxId)}`);
    if (f.assigneeId === null) where.push(`c.assignee_id IS NULL`);
    else if (f.assigneeId) where.push(`c.assignee_id = ${p(f.assigneeId)}`);
    if (f.teamId) where.push(`c.team_id = ${p(f.teamId)}`);
    if (f.contactId) where.push(`c.contact_id = ${p(f.contactId)}`);
    if (f.label) where.push(`c.labels @> ARRAY[${p(f.label)}]::text[]`);
    if (f.channel?.length) where.push(`c.channel = ANY(${p(f.channel)}::text[])`);
    if (f.priority?.length) where.push(`c.priority = ANY(${p(f.priority)}::int[])`);
    if (f.visibleToUserId) {
      const me = p(f.visibleToUserId);
      where.push(`EXISTS (SELECT 1 FROM inbox_members im WHERE im.inbox_id = c.inbox_id AND im.user_id = ${me})`);
    }
    if (f.inboxIds) where.push(`c.inbox_id = ANY(${p(f.inboxIds)}::uuid[])`);
    if (f.sla?.length) {
      const states = f.sla.filter((x) => x !== 'none');
      const any = [...(states.length ? [`c.sla_state = ANY(${p(states)}::text[])`] : []), ...(f.sla.includes('none') ? ['c.sla_state IS NULL'] : [])];
      where.push(`(${any.join(' OR ')})`);
    }
    const sort = f.sort ?? 'newest';
    if (f.cursor) where.push(afterCursorSql(sort, f.cursor, p));
    const rows = await queryRows<ConversationSummaryRow & OrderKeyRow>(
      em,
      `SELECT ${CONVERSATION_COLUMNS}, ${ORDER_KEY_COLUMNS} FROM ${CONVERSATION_FROM}
       ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY ${orderBySql(sort)} LIMIT ${p(f.limit)}`,
      params,
    );
    return rows.map((r) => ({ summary: toConversationSummary(r), key: r }));
  }

  async update(em: EntityManager, id: string, fields: ConversationFields): Promise<void> {
    const set = updateSet(id, fields);
    if (!set) return;
    await em.query(`UPDATE conversations SET ${set.sql}, updated_at = now() WHERE id = $1`, set.params);
  }

  /**
   * `update` and the activity line that tells it, in one statement, returning the conversation's
   * summary as written (the row from the UPDATE itself, which the statement's snapshot cannot see
   * in the table; the contact and the latest customer or agent message from the snapshot: an
   * update changes neither, and an activity line is neither) and the line. Null when nothing was
   * to change: then no line is written either.
   */
  async updateWithActivity(
    em: EntityManager,
    id: string,
    fields: ConversationFields,
    line: ActivityLine,
  ): Promise<{ summary: ConversationSummary; activity: MessageSummary } | null> {
    const set = updateSet(id, fields);
    if (!set) return null;
    const n = set.params.length;
    const [row] = await queryRows<ConversationSummaryRow & { activity: MessageSummaryRow }>(
      em,
      `WITH c AS (UPDATE conversations SET ${set.sql}, updated_at = now() WHERE id = $1 RETURNING *),
       m AS (${insertActivitySql(`SELECT c.id, c.inbox_id, $${n + 1}, $${n + 2}::uuid, $${n + 3}, $${n + 4}::jsonb FROM c`)})
       SELECT ${CONVERSATION_COLUMNS}, (SELECT row_to_json(y) FROM (SELECT ${MESSAGE_COLUMNS} FROM m) y) AS activity
       FROM c JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN LATERAL ${lastMessage('')} lm ON true`,
      [...set.params, line.authorType, line.authorId, line.text, JSON.stringify(line.metadata)],
    );
    return row ? { summary: toConversationSummary(row), activity: toMessageSummary(row.activity) } : null;
  }

  /** After an agent or bot replies: the customer is no longer waiting; the first human reply is the first response. */
  async markReplied(em: EntityManager, id: string, at: Date, byHuman: boolean): Promise<void> {
    await em.query(
      `UPDATE conversations SET waiting_since = NULL, last_message_at = GREATEST(last_message_at, $2),
         first_response_at = CASE WHEN $3 AND first_response_at IS NULL THEN $2 ELSE first_response_at END,
         updated_at = now()
       WHERE id = $1`,
      [id, at, byHuman],
    );
  }

  async inboxIdOf(em: EntityManager, id: string): Promise<string | null> {
    const [row] = await queryRows<{ inbox_id: string }>(em, `SELECT inbox_id FROM conversations WHERE id = $1`, [id]);
    return row?.inbox_id ?? null;
  }
}

/** The columns a conversation update may change. */
export type ConversationFields = Partial<{
  status: ConversationStatus;
  priority: number;
  labels: string[];
  snoozedUntil: Date | null;
  resolvedAt: Date | null;
  teamId: string | null;
  language: string | null;
  requiredSkills: string[];
  waitingSince: Date | null;
}>;

const UPDATE_COLUMNS: Record<keyof ConversationFields, string> = {
  status: 'status',
  priority: 'priority',
  labels: 'labels',
  snoozedUntil: 'snoozed_until',
  resolvedAt: 'resolved_at',
  teamId: 'team_id',
  language: 'language',
  requiredSkills: 'required_skills',
  waitingSince: 'waiting_since',
};

/** The SET list of an update (`$1` is the id); null when no field is given. */
function updateSet(id: string, fields: ConversationFields): { sql: string; params: unknown[] } | null {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [key, value] of Object.entries(fields) as Array<[keyof ConversationFields, unknown]>) {
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${UPDATE_COLUMNS[key]} = $${params.length}`);
  }
  return sets.length ? { sql: sets.join(', '), params } : null;
}
