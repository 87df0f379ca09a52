import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  CONVERSATION_COLUMNS,
  CONVERSATION_SUMMARY_JSON,
  ConversationSummaryRow,
  MESSAGE_SUMMARY_JSON,
  conversationFrom,
  TxContext,
  activityLineSummary,
  insertActivitySql,
  lastMessage,
  prepared,
  queryRows,
  queryRowsTogether,
  toConversationSummary,
} from '@inbox/core';
import type { ConversationSummary, MessageSummary } from '@inbox/realtime-contract';
import type { BusinessHours } from '@inbox/business-hours';
import { AgentState, BUILT_IN_DEFAULT_CAPACITY, CapacityMap, ChannelKind, Presence, QueuedConversation, RoutingStrategy, TeamSettings } from '@inbox/routing';

export interface LockedConversation {
  id: string;
  inboxId: string;
  channel: ChannelKind;
  contactId: string;
  status: string;
  assigneeId: string | null;
  teamId: string | null;
  offeredToId: string | null;
  offerExpiresAt: Date | null;
  declinedBy: string[];
  requiredSkills: string[];
  language: string | null;
  priority: number;
  waitingSince: Date | null;
}

/** A conversation locked for a batch of automatic assignments, with its summary as locked (the events are told from it). */
export type BatchConversation = LockedConversation & { summary: ConversationSummaryRow };

export type AssignmentAction = 'assign' | 'offer' | 'accept' | 'decline' | 'expire' | 'unassign' | 'requeue' | 'transfer' | 'overflow' | 'release' | 'escalate';

export interface LogEntry {
  conversationId: string;
  action: AssignmentAction;
  agentId: string | null;
  previousAgentId: string | null;
  teamId: string | null;
  by: 'routing' | 'coordinator' | 'agent' | 'system';
  actorId: string | null;
  reason: string;
  reasonCode: string | null;
  channel: ChannelKind;
  agentLoadAfter?: number | null;
  agentCapacity?: number | null;
  overCapacity?: boolean;
}

/** An agent's status row, locked for a batch of automatic assignments. */
export interface LockedAgent {
  id: string;
  presence: string;
  name: string;
  capacity: CapacityMap;
  active: boolean;
}

/** The conversations columns a lock reads (`SELECT *`). */
interface ConversationRow {
  id: string;
  inbox_id: string;
  channel: ChannelKind;
  contact_id: string;
  status: string;
  assignee_id: string | null;
  team_id: string | null;
  offered_to_id: string | null;
  offer_expires_at: Date | null;
  declined_by: string[];
  required_skills: string[];
  language: string | null;
  priority: number;
  waiting_since: Date | null;
}

/** The teams columns routing reads (`SELECT *`). */
export interface TeamRow {
  id: string;
  name: string;
  strategy: RoutingStrategy;
  offer_timeout_seconds: number | null;
  sticky_window_seconds: number;
  overflow_team_id: string | null;
  overflow_after_seconds: number | null;
  business_hours: BusinessHours | null;
  default_capacity: CapacityMap;
  round_robin_last_agent_id: string | null;
}

/** A waiting conversation with its contact's last agent (sticky routing). */
interface QueueRow {
  id: string;
  inbox_id: string;
  channel: ChannelKind;
  assignment_reason: string | null;
  team_id: string | null;
  required_skills: string[];
  language: string | null;
  priority: number;
  /** coalesce(waiting_since, created_at): never null. */
  waiting_since: Date;
  sla_due_at: Date | null;
  declined_by: string[];
  last_agent_id: string | null;
  last_agent_at: Date | null;
}

/** An active agent with memberships and current load per channel kind. */
interface AgentRow {
  id: string;
  name: string;
  skills: string[];
  languages: string[];
  capacity: CapacityMap;
  presence: Presence;
  /** A Date as a row, an ISO string inside ROUTING_STATE's JSON. */
  last_assigned_at: Date | string | null;
  team_ids: string[];
  inbox_ids: string[];
  load: CapacityMap;
}

/** An agent's status row joined with the user, locked (`lockAgent`). */
interface LockedAgentRow {
  presence: string;
  name: string;
  capacity: CapacityMap;
  skills: string[];
  languages: string[];
  role: string;
  active: boolean;
  team_ids: string[];
}

const lockedAgent = (r: LockedAgent): LockedAgent => ({ id: r.id, presence: r.presence, name: r.name, capacity: r.capacity ?? {}, active: r.active });

const mapLocked = (r: ConversationRow): LockedConversation => ({
  id: r.id,
  inboxId: r.inbox_id,
  channel: r.channel,
  contactId: r.contact_id,
  status: r.status,
  assigneeId: r.assignee_id,
  teamId: r.team_id,
  offeredToId: r.offered_to_id,
  offerExpiresAt: r.offer_expires_at,
  declinedBy: r.declined_by ?? [],
  requiredSkills: r.required_skills ?? [],
  language: r.language,
  priority: Number(r.priority),
  waitingSince: r.waiting_since,
});

/** Team settings with the built-in capacities under the team's own, so an unset kind is never 0 by accident. */
export function toTeamSettings(r: TeamRow): TeamSettings {
  return {
    id: r.id,
    name: r.name,
    strategy: r.strategy,
    offerTimeoutSeconds: r.offer_timeout_seconds,
    stickyWindowSeconds: r.sticky_window_seconds,
    overflowTeamId: r.overflow_team_id,
    overflowAfterSeconds: r.overflow_after_seconds,
    businessHours: r.business_hours ?? null,
    defaultCapacity: { ...BUILT_IN_DEFAULT_CAPACITY, ...(r.default_capacity ?? {}) },
    roundRobinLastAgentId: r.round_robin_last_agent_id,
  };
}

/** As a row or as JSON (ROUTING_STATE): the timestamp is a Date or an ISO string, both read by `new Date`. */
function toAgentState(r: AgentRow): AgentState {
  return {
    id: r.id,
    name: r.name,
    presence: r.presence,
    teamIds: r.team_ids,
    inboxIds: r.inbox_ids,
    skills: r.skills ?? [],
    languages: r.languages ?? [],
    capacity: r.capacity ?? {},
    load: r.load ?? {},
    lastAssignedAt: r.last_assigned_at ? new Date(r.last_assigned_at).getTime() : null,
  };
}

/** A routing pass reads the queue and the agents through these (passes run after every burst). */
const QUEUE = prepared(
  'routing_queue',
  `SELECT c.id, c.inbox_id, c.channel, c.assignment_reason, c.team_id, c.required_skills, c.language, c.priority, coalesce(c.waiting_since, c.created_at) AS waiting_since, c.sla_due_at,
              c.declined_by, ct.last_agent_id, ct.last_agent_at
       FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
       WHERE c.status = 'open' AND c.assignee_id IS NULL AND c.offered_to_id IS NULL
       ORDER BY c.priority DESC, c.sla_due_at NULLS LAST, coalesce(c.waiting_since, c.created_at) LIMIT $1`,
);

/** Every agent who can take work, with their teams, inboxes and current load per channel (agent_loads). */
const AGENTS = `SELECT u.id, u.name, u.skills, u.languages, u.capacity, coalesce(s.presence, 'offline') AS presence, s.last_assigned_at,
              coalesce((SELECT array_agg(team_id) FROM team_members m WHERE m.user_id = u.id), '{}') AS team_ids,
              coalesce((SELECT array_agg(inbox_id) FROM inbox_members im WHERE im.user_id = u.id), '{}') AS inbox_ids,
              coalesce((SELECT json_object_agg(channel, n) FROM agent_loads l WHERE l.agent_id = u.id AND l.n > 0), '{}') AS load
       FROM users u LEFT JOIN agent_status s ON s.user_id = u.id
       WHERE u.active AND u.role = 'agent'`;
const AGENTS_ALL = prepared('routing_agents_all', AGENTS);
/**
 * What every routing pass starts from, in one statement: the online agents and every team's
 * settings, each as a JSON array of the rows `AGENTS` and `SELECT * FROM teams` would give (one
 * round trip and one pool connection a pass instead of two, at a pass per new conversation).
 */
const ROUTING_STATE = prepared(
  'routing_state',
  `SELECT (SELECT coalesce(json_agg(a), '[]') FROM (${AGENTS} AND s.presence = 'online') a) AS agents,
          (SELECT coalesce(json_agg(t), '[]') FROM teams t) AS teams`,
);

/**
 * The statements of every assignment batch (fixed texts over arrays: prepared once per connection).
 * The batch's ids are joined to the table (`unnest` ... `JOIN ... ON c.id = k.id`), not matched as
 * `id = ANY(...)`: a small batch's generic plan, made while the table was small, scanned all of it
 * and filtered each row against the array (0.25 ms a batch of one with 3,000 conversations), where
 * the join is one primary-key lookup per id (Transactions' NESTED_LOOPS).
 */
const LOCK_CONVERSATIONS = prepared(
  'routing_lock_conversations',
  `SELECT c.*, now() AS tx_now,
          (SELECT row_to_json(s) FROM (SELECT ${CONVERSATION_COLUMNS} FROM contacts ct LEFT JOIN LATERAL ${lastMessage('')} lm ON true WHERE ct.id = c.contact_id) s) AS summary
   FROM unnest($1::uuid[]) AS k(id) JOIN conversations c ON c.id = k.id ORDER BY c.id FOR UPDATE OF c SKIP LOCKED`,
);
const LOCK_AGENTS = prepared(
  'routing_lock_agents',
  `SELECT s.user_id AS id, s.presence, u.name, u.capacity, u.active
       FROM agent_status s JOIN users u ON u.id = s.user_id WHERE s.user_id = ANY($1::uuid[]) ORDER BY s.user_id FOR UPDATE OF s`,
);
const AGENT_LOADS = prepared('routing_agent_loads', `SELECT agent_id, channel, n FROM agent_loads WHERE agent_id = ANY($1::uuid[]) AND n > 0`);
/** The teams of the given conversations (read after LOCK_CONVERSATIONS: the locked rows' teams cannot change). */
const TEAMS_OF_CONVERSATIONS = prepared(
  'routing_teams_of_conversations',
  `SELECT t.* FROM teams t WHERE t.id IN (SELECT c.team_id FROM unnest($1::uuid[]) AS k(id) JOIN conversations c ON c.id = k.id)`,
);
/**
 * Everything a batch of automatic assignments and offers writes, in ONE statement (each part a
 * data-modifying CTE; PostgreSQL runs every one of them once, read or not): the conversations
 * (assignee or offer), the agents' last-assigned time, the contacts' last agent (sticky routing),
 * the assignment log in the order given, and the assignments' activity lines (their ids chosen by
 * the caller). It is the batch's last statement, sent with the outbox rows and the COMMIT
 * (TxContext.commitWith): the events were told from the locked rows (`writtenSummary`,
 * `activityLineSummary`). The conversations and agents are locked before (LOCK_CONVERSATIONS,
 * LOCK_AGENTS), so this statement only adds the contacts' row locks, as the separate statements did.
 */
const APPLY_AUTOMATIC = prepared(
  'routing_apply_automatic_last',
  `WITH assigned AS (
     UPDATE conversations c SET assignee_id = v.agent_id, offered_to_id = NULL, offer_expires_at = NULL, assignment_reason = v.reason,
            assigned_at = now(), declined_by = '{}', updated_at = now()
     FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS v(id, agent_id, reason) WHERE c.id = v.id
     RETURNING c.id),
   offered AS (
     UPDATE conversations c SET offered_to_id = v.agent_id, offer_expires_at = v.expires_at, assignment_reason = v.reason, updated_at = now()
     FROM unnest($4::uuid[], $5::uuid[], $6::timestamptz[], $7::text[]) AS v(id, agent_id, expires_at, reason) WHERE c.id = v.id
     RETURNING c.id),
   touched AS (
     UPDATE agent_status SET last_assigned_at = now() WHERE user_id = ANY($8::uuid[]) RETURNING user_id),
   sticky AS (
     UPDATE contacts ct SET last_agent_id = v.agent_id, last_agent_at = now()
     FROM unnest($9::uuid[], $10::uuid[]) AS v(id, agent_id) WHERE ct.id = v.id RETURNING ct.id),
   logged AS (
     INSERT INTO assignment_log (conversation_id, action, agent_id, previous_agent_id, team_id, by, actor_id, reason, reason_code, channel, agent_load_after, agent_capacity, over_capacity)
     SELECT v.conversation_id, v.action, v.agent_id, NULL, v.team_id, 'routing', NULL, v.reason, v.reason_code, v.channel, v.agent_load_after, v.agent_capacity, false
     FROM unnest($11::uuid[], $12::text[], $13::uuid[], $14::uuid[], $15::text[], $16::text[], $17::text[], $18::int[], $19::int[])
       WITH ORDINALITY AS v(conversation_id, action, agent_id, team_id, reason, reason_code, channel, agent_load_after, agent_capacity, ord)
     ORDER BY ord
     RETURNING id),
   m AS (${insertActivitySql(
     `SELECT a.id, a.conversation_id, a.inbox_id, 'system', NULL::uuid, a.text, a.metadata::jsonb
      FROM unnest($20::uuid[], $21::uuid[], $22::uuid[], $23::text[], $24::text[]) AS a(id, conversation_id, inbox_id, text, metadata)`,
     true,
   )})
   SELECT (SELECT count(*) FROM assigned) + (SELECT count(*) FROM offered) AS written`,
);

/**
 * ONE automatic assignment as a transaction of its own, in ONE statement sent with its BEGIN and
 * COMMIT (Transactions.commitOne): the usual pass after a new conversation, when agents have room,
 * assigns that one conversation, and LOCK_CONVERSATIONS ... APPLY_AUTOMATIC took two round trips
 * for it after the pass's read. It takes the locks the batch takes, in the batch's order (the
 * conversation SKIP LOCKED, then the agent's status row, then the agent's load row: each CTE reads
 * the one before, so none is locked before it), checks what `applyAutomaticBatch` checks, and
 * writes what APPLY_AUTOMATIC writes plus the three outbox rows, their payloads built as the
 * server's mappers would (row-mappers' *_SUMMARY_JSON; `conversation.assigned` as the batch tells
 * it). `outcome`:
 * - `assigned`: written, with `events` (seq, type, payload) in the batch's order;
 * - `skipped`: the conversation is locked elsewhere or no longer waiting (as the batch skips it);
 * - `refused`: the agent is offline, inactive or full (as the batch refuses);
 * - `fallback`: what the statement cannot check alone (the capacity's inputs or the agent's name
 *   differ from the pass's read, SLA clocks, a conversation moved to another team or channel, the
 *   agent's first conversation of this channel: no load row to lock, and one inserted after this
 *   statement's snapshot would not be seen): nothing written; the batch path decides.
 * Every write waits on `checked`, so with any other outcome the COMMIT commits nothing.
 * FOR UPDATE gives each locked row as last committed (READ COMMITTED re-reads it after the wait),
 * so the agent's presence and load are as fresh as the batch's separate statements read them.
 */
export const ASSIGN_ONE_AND_COMMIT = prepared(
  'routing_assign_one_commit',
  `WITH conv AS MATERIALIZED (
     SELECT c.*, (c.status = 'open' AND c.assignee_id IS NULL AND c.offered_to_id IS NULL) AS waiting
     FROM conversations c WHERE c.id = $1::uuid FOR UPDATE SKIP LOCKED
   ), agent AS MATERIALIZED (
     SELECT s.presence, u.name, u.active, coalesce(u.capacity, '{}'::jsonb) AS capacity
     FROM agent_status s JOIN users u ON u.id = s.user_id
     WHERE s.user_id = $2::uuid AND EXISTS (SELECT 1 FROM conv WHERE waiting) FOR UPDATE OF s
   ), load AS MATERIALIZED (
     SELECT n FROM agent_loads WHERE agent_id = $2::uuid AND channel = $3::text AND EXISTS (SELECT 1 FROM agent) FOR UPDATE
   ), checked AS MATERIALIZED (
     SELECT CASE
       WHEN NOT EXISTS (SELECT 1 FROM conv WHERE waiting) THEN 'skipped'
       WHEN NOT EXISTS (SELECT 1 FROM agent WHERE active AND presence = 'online') THEN 'refused'
       WHEN NOT EXISTS (
         SELECT 1 FROM conv, agent WHERE conv.channel = $3::text AND conv.team_id IS NOT DISTINCT FROM $4::uuid AND conv.sla IS NULL
           AND agent.name = $5::text AND agent.capacity = $6::jsonb
           AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM teams t WHERE t.id = $4::uuid AND $7::jsonb || coalesce(t.default_capacity, '{}'::jsonb) = $8::jsonb))
         ) OR NOT EXISTS (SELECT 1 FROM load) THEN 'fallback'
       WHEN (SELECT n FROM load) + 1 > $9::int THEN 'refused'
       ELSE 'assigned'
     END AS outcome
   ), assigned AS (
     UPDATE conversations c SET assignee_id = $2::uuid, offered_to_id = NULL, offer_expires_at = NULL, assignment_reason = $10::text,
            assigned_at = now(), declined_by = '{}', updated_at = now()
     WHERE c.id = $1::uuid AND (SELECT outcome FROM checked) = 'assigned'
     RETURNING c.*
   ), touched AS (
     UPDATE agent_status SET last_assigned_at = now() WHERE user_id = $2::uuid AND EXISTS (SELECT 1 FROM assigned)
   ), sticky AS (
     UPDATE contacts ct SET last_agent_id = $2::uuid, last_agent_at = now() FROM assigned a WHERE ct.id = a.contact_id
   ), logged AS (
     INSERT INTO assignment_log (conversation_id, action, agent_id, previous_agent_id, team_id, by, actor_id, reason, reason_code, channel, agent_load_after, agent_capacity, over_capacity)
     SELECT a.id, 'assign', $2::uuid, NULL, a.team_id, 'routing', NULL, $10::text, $11::text, a.channel, (SELECT n FROM load) + 1, $9::int, false FROM assigned a
   ), line AS (${insertActivitySql(`SELECT a.id, a.inbox_id, 'system', NULL::uuid, $12::text, $13::jsonb FROM assigned a`)}
   ), events AS (
     INSERT INTO outbox_events (type, conversation_id, payload)
     SELECT e.type, $1::uuid, e.payload FROM (
       SELECT 1, 'message.created', ${MESSAGE_SUMMARY_JSON} FROM line m
       UNION ALL
       SELECT 2, 'conversation.assigned', jsonb_build_object('conversationId', a.id, 'agentId', $2::uuid, 'previousAgentId', NULL, 'teamId', a.team_id, 'reason', $10::text, 'by', 'routing')
       FROM assigned a
       UNION ALL
       SELECT 3, 'conversation.updated', ${CONVERSATION_SUMMARY_JSON} FROM ${conversationFrom('assigned')}
     ) e(n, type, payload)
     ORDER BY e.n
     RETURNING seq, type, payload
   )
   SELECT (SELECT outcome FROM checked) AS outcome,
          (SELECT json_agg(json_build_object('seq', seq, 'type', type, 'payload', payload) ORDER BY seq) FROM events) AS events`,
);

/**
 * A locked conversation's summary as APPLY_AUTOMATIC leaves it: what the UPDATE changes that a
 * summary shows (assignee, reason, updated_at: the transaction's `now()`, `at`), the rest as
 * locked (the lock keeps it; the contact and latest message the statement does not change).
 */
function writtenSummary(row: ConversationSummaryRow, assigneeId: string | null, reason: string, at: Date): ConversationSummary {
  return toConversationSummary({ ...row, assignee_id: assigneeId ?? row.assignee_id, assignment_reason: reason as ConversationSummaryRow['assignment_reason'], updated_at: at });
}

/** One automatic assignment or offer of a batch, as `applyAutomatic` writes it. */
export interface AutomaticPick {
  action: 'assign' | 'offer';
  conversationId: string;
  inboxId: string;
  contactId: string;
  teamId: string | null;
  channel: ChannelKind;
  agentId: string;
  reason: string;
  reasonCode: string | null;
  agentLoadAfter: number;
  agentCapacity: number;
  /** Offers only: when the offer lapses. */
  expiresAt?: Date;
  /** Assignments only: the activity line the conversation shows. */
  activity?: { text: string; metadata: Record<string, unknown> };
  /** The conversation's summary as locked (LOCK_CONVERSATIONS). */
  locked: ConversationSummaryRow;
}

/** All routing SQL: state loading for the engine, and the row locks that make decisions race-free. */
@Injectable()
export class RoutingRepository {
  /**
   * The waiting conversations, plus the reason each currently shows (so unchanged reasons are not
   * rewritten). `teams`: the teams the pass routes with (read once per pass), to know whether any overflows.
   */
  async queue(
    em: EntityManager,
    limit: number,
    teams: readonly Pick<TeamSettings, 'overflowTeamId'>[],
  ): Promise<{ queue: QueuedConversation[]; reasons: Map<string, string | null> }> {
    return this.queueOf(em, await queryRows<QueueRow>(em, QUEUE, [limit]), teams);
  }

  /** `queue` for rows already read (QUEUE): the overflow history, when some team overflows, and the mapping. */
  private async queueOf(
    em: EntityManager,
    rows: QueueRow[],
    teams: readonly Pick<TeamSettings, 'overflowTeamId'>[],
  ): Promise<{ queue: QueuedConversation[]; reasons: Map<string, string | null> }> {
    const reasons = new Map<string, string | null>(rows.map((r) => [r.id, r.assignment_reason]));
    // Overflow history only matters when some team overflows: one grouped query instead of one per row.
    const overflowed = new Map<string, string[]>();
    if (teams.some((t) => t.overflowTeamId) && rows.length) {
      const hist = await queryRows<{ conversation_id: string; teams: string[] }>(
        em,
        `SELECT conversation_id, array_agg(DISTINCT team_id) AS teams FROM assignment_log
         WHERE action = 'overflow' AND team_id IS NOT NULL AND conversation_id = ANY($1::uuid[]) GROUP BY conversation_id`,
        [rows.map((r) => r.id)],
      );
      for (const h of hist) overflowed.set(h.conversation_id, h.teams);
    }
    const queue = rows.map((r) => ({
      id: r.id,
      inboxId: r.inbox_id,
      channel: r.channel,
      teamId: r.team_id,
      requiredSkills: r.required_skills ?? [],
      language: r.language,
      priority: Number(r.priority),
      waitingSince: new Date(r.waiting_since).getTime(),
      slaDueAt: r.sla_due_at ? new Date(r.sla_due_at).getTime() : null,
      lastAgentId: r.last_agent_id,
      lastAgentAt: r.last_agent_at ? new Date(r.last_agent_at).getTime() : null,
      declinedBy: r.declined_by ?? [],
      overflowedFromTeamIds: overflowed.get(r.id) ?? [],
    }));
    return { queue, reasons };
  }

  /** Every active agent, online or not (reassignment, queue statistics). */
  async agents(em: EntityManager): Promise<AgentState[]> {
    return (await queryRows<AgentRow>(em, AGENTS_ALL)).map(toAgentState);
  }

  /** The online agents and every team: what a routing pass decides from (ROUTING_STATE). */
  async routingState(em: EntityManager): Promise<{ agents: AgentState[]; teams: TeamSettings[] }> {
    const [row] = await queryRows<{ agents: AgentRow[]; teams: TeamRow[] }>(em, ROUTING_STATE);
    return { agents: row.agents.map(toAgentState), teams: row.teams.map(toTeamSettings) };
  }

  /**
   * `routingState` and `queue` in one round trip (queryRowsTogether on a connection of its own, once
   * the connection has parsed both): for a pass that expects to assign. The queue is read even when
   * the state shows no room, so a pass that expects a full house reads the state alone.
   * `em` is the pool's manager: inside a transaction this would hold that transaction's
   * connection idle while it waited for a second one (a stall with a small or saturated pool).
   */
  async routingStateAndQueue(
    em: EntityManager,
    limit: number,
  ): Promise<{ agents: AgentState[]; teams: TeamSettings[]; queue: QueuedConversation[]; reasons: Map<string, string | null> }> {
    if (em.queryRunner) throw new Error('routingStateAndQueue takes a connection of its own: call it with the pool manager, outside a transaction');
    const runner = em.connection.createQueryRunner();
    try {
      await runner.connect();
      const [[state], rows] = await queryRowsTogether<[{ agents: AgentRow[]; teams: TeamRow[] }, QueueRow]>(runner.manager, [ROUTING_STATE, []], [QUEUE, [limit]]);
      const teams = state.teams.map(toTeamSettings);
      return { agents: state.agents.map(toAgentState), teams, ...(await this.queueOf(runner.manager, rows, teams)) };
    } finally {
      await runner.release();
    }
  }

  async team(em: EntityManager, id: string | null): Promise<TeamSettings | null> {
    if (!id) return null;
    const [row] = await queryRows<TeamRow>(em, `SELECT * FROM teams WHERE id = $1`, [id]);
    return row ? toTeamSettings(row) : null;
  }

  async saveRoundRobin(em: EntityManager, pointers: Record<string, string>): Promise<void> {
    const entries = Object.entries(pointers);
    if (!entries.length) return;
    await em.query(`UPDATE teams t SET round_robin_last_agent_id = v.agent_id FROM unnest($1::uuid[], $2::uuid[]) AS v(id, agent_id) WHERE t.id = v.id`, [
      entries.map(([teamId]) => teamId),
      entries.map(([, agentId]) => agentId),
    ]);
  }

  /** Locks a conversation for a change; SKIP LOCKED lets another replica's pass move on instead of waiting. */
  async lockConversation(em: EntityManager, id: string, skipLocked: boolean): Promise<LockedConversation | null> {
    const [row] = await queryRows<ConversationRow>(em, `SELECT * FROM conversations WHERE id = $1 FOR UPDATE ${skipLocked ? 'SKIP LOCKED' : ''}`, [id]);
    return row ? mapLocked(row) : null;
  }

  /**
   * What a batch of automatic assignments decides from, locked, in ONE round trip (queryRowsTogether;
   * the transaction's BEGIN goes with it): the conversations (LOCK_CONVERSATIONS, skipping those
   * another transaction holds), then the agents' status rows (LOCK_AGENTS, all the batch names), then
   * the agents' loads and the conversations' teams, each statement with a snapshot taken after the
   * locks before it were granted, so the loads count every assignment committed before them, as the
   * four statements sent one after the other did. Conversations, then agents in id order: the order
   * every batch takes them in, so two replicas' batches wait for each other instead of deadlocking.
   * Agents without a status row have never been online: they are left out, and routing skips them.
   * Loads are each agent's open conversations plus pending offers, per channel kind, as the
   * triggers of migration AgentLoads keep them in `agent_loads` (in the transactions that change
   * them: committed with them, so read after the locks they are as fresh as a count).
   */
  async lockBatch(
    em: EntityManager,
    conversationIds: string[],
    agentIds: string[],
  ): Promise<{
    conversations: Map<string, BatchConversation>;
    agents: Map<string, LockedAgent>;
    loads: Map<string, Partial<Record<ChannelKind, number>>>;
    teams: Map<string, TeamSettings>;
    /** The transaction's `now()` (what the writes after will stamp); null when no conversation was locked. */
    now: Date | null;
  }> {
    const ids = [...new Set(agentIds)].sort();
    const [convs, agents, loads, teams] = await queryRowsTogether<
      [ConversationRow & { tx_now: Date; summary: ConversationSummaryRow }, LockedAgent, { agent_id: string; channel: ChannelKind; n: number }, TeamRow]
    >(em, [LOCK_CONVERSATIONS, [conversationIds]], [LOCK_AGENTS, [ids]], [AGENT_LOADS, [ids]], [TEAMS_OF_CONVERSATIONS, [conversationIds]]);
    const perAgent = new Map<string, Partial<Record<ChannelKind, number>>>(ids.map((id) => [id, {}]));
    for (const r of loads) perAgent.get(r.agent_id)![r.channel] = r.n;
    return {
      conversations: new Map(convs.map((r) => [r.id, { ...mapLocked(r), summary: r.summary }])),
      agents: new Map(agents.map((r) => [r.id, lockedAgent(r)])),
      loads: perAgent,
      teams: new Map(teams.map((r) => [r.id, toTeamSettings(r)])),
      now: convs.length ? convs[0].tx_now : null,
    };
  }

  /**
   * A batch's assignments and offers in one statement (APPLY_AUTOMATIC), left as the transaction's
   * last statement (`tx.commitWith`: with the outbox rows and the COMMIT, one round trip); returns,
   * by conversation id, each conversation's summary as the statement leaves it and the
   * assignments' activity lines, told from the locked rows (`at`: the transaction's `now()`).
   */
  applyAutomatic(tx: Pick<TxContext, 'commitWith'>, picks: AutomaticPick[], at: Date): { summaries: Map<string, ConversationSummary>; activities: Map<string, MessageSummary> } {
    const summaries = new Map<string, ConversationSummary>();
    const activities = new Map<string, MessageSummary>();
    if (!picks.length) return { summaries, activities };
    // Conversations in agent order: their triggers move the agents' load counts (agent_loads) in
    // that order, the order any other transaction moving several agents' counts takes them in.
    const byAgent = [...picks].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
    const assigns = byAgent.filter((p) => p.action === 'assign');
    const offers = byAgent.filter((p) => p.action === 'offer');
    // One row per contact (its last assignment of the batch wins).
    const lastAgent = new Map<string, string>();
    for (const a of picks) if (a.action === 'assign') lastAgent.set(a.contactId, a.agentId);
    const contacts = [...lastAgent.keys()].sort();
    for (const p of picks) summaries.set(p.conversationId, writtenSummary(p.locked, p.action === 'assign' ? p.agentId : null, p.reason, at));
    const lines = assigns.map((a) => ({ id: randomUUID(), conversationId: a.conversationId, inboxId: a.inboxId, authorType: 'system' as const, authorId: null, ...a.activity! }));
    for (const line of lines) activities.set(line.conversationId, activityLineSummary(line, at));
    tx.commitWith(APPLY_AUTOMATIC, [
      assigns.map((a) => a.conversationId),
      assigns.map((a) => a.agentId),
      assigns.map((a) => a.reason),
      offers.map((o) => o.conversationId),
      offers.map((o) => o.agentId),
      offers.map((o) => o.expiresAt!.toISOString()),
      offers.map((o) => o.reason),
      [...new Set(picks.map((p) => p.agentId))].sort(),
      contacts,
      contacts.map((id) => lastAgent.get(id)),
      picks.map((p) => p.conversationId),
      picks.map((p) => p.action),
      picks.map((p) => p.agentId),
      picks.map((p) => p.teamId),
      picks.map((p) => p.reason),
      picks.map((p) => p.reasonCode),
      picks.map((p) => p.channel),
      picks.map((p) => p.agentLoadAfter),
      picks.map((p) => p.agentCapacity),
      lines.map((l) => l.id),
      lines.map((l) => l.conversationId),
      lines.map((l) => l.inboxId),
      lines.map((l) => l.text),
      lines.map((l) => JSON.stringify(l.metadata)),
    ]);
    return { summaries, activities };
  }

  /** Why many conversations wait, in one statement; returns the ids whose reason changed. */
  async setWaitReasons(em: EntityManager, rows: Array<{ id: string; reason: string }>): Promise<string[]> {
    if (!rows.length) return [];
    const changed = await queryRows<{ id: string }>(
      em,
      `UPDATE conversations c SET assignment_reason = v.reason, updated_at = now()
       FROM unnest($1::uuid[], $2::text[]) AS v(id, reason)
       WHERE c.id = v.id AND c.assignee_id IS NULL AND c.offered_to_id IS NULL AND c.assignment_reason IS DISTINCT FROM v.reason RETURNING c.id`,
      [rows.map((r) => r.id), rows.map((r) => r.reason)],
    );
    return changed.map((r) => r.id);
  }

  /**
   * Locks the agent's status row: every change of an agent's load happens under this
   * lock, so the capacity check and the assignment are atomic across replicas.
   */
  async lockAgent(
    em: EntityManager,
    agentId: string,
  ): Promise<{ presence: string; name: string; capacity: CapacityMap; teamIds: string[]; skills: string[]; languages: string[]; role: string; active: boolean } | null> {
    await em.query(`INSERT INTO agent_status (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, [agentId]);
    const [row] = await queryRows<LockedAgentRow>(
      em,
      `SELECT s.presence, u.name, u.capacity, u.skills, u.languages, u.role, u.active,
              coalesce((SELECT array_agg(team_id) FROM team_members m WHERE m.user_id = u.id), '{}') AS team_ids
       FROM agent_status s JOIN users u ON u.id = s.user_id WHERE s.user_id = $1 FOR UPDATE OF s`,
      [agentId],
    );
    return row
      ? {
          presence: row.presence,
          name: row.name,
          capacity: row.capacity ?? {},
          teamIds: row.team_ids,
          skills: row.skills,
          languages: row.languages,
          role: row.role,
          active: row.active,
        }
      : null;
  }

  /** Open conversations plus pending offers of this kind (agent_loads), but for the given one, read under the agent lock. */
  async agentLoad(em: EntityManager, agentId: string, channel: ChannelKind, excludingConversationId: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      em,
      `SELECT coalesce((SELECT n FROM agent_loads WHERE agent_id = $1 AND channel = $2), 0)
              - (SELECT count(*) FROM conversations WHERE id = $3 AND channel = $2 AND conversation_load_owner(status, assignee_id, offered_to_id) = $1)::int AS n`,
      [agentId, channel, excludingConversationId],
    );
    return row.n;
  }

  async setAssignee(em: EntityManager, id: string, agentId: string | null, reason: string): Promise<void> {
    await em.query(
      `UPDATE conversations SET assignee_id = $2, offered_to_id = NULL, offer_expires_at = NULL, assignment_reason = $3,
         assigned_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE now() END,
         declined_by = CASE WHEN $2::uuid IS NULL THEN declined_by ELSE '{}' END, updated_at = now()
       WHERE id = $1`,
      [id, agentId, reason],
    );
    if (agentId) {
      await em.query(`UPDATE agent_status SET last_assigned_at = now() WHERE user_id = $1`, [agentId]);
      await em.query(`UPDATE contacts SET last_agent_id = $2, last_agent_at = now() FROM conversations c WHERE c.id = $1 AND contacts.id = c.contact_id`, [id, agentId]);
    }
  }

  async setOffer(em: EntityManager, id: string, agentId: string, expiresAt: Date, reason: string): Promise<void> {
    await em.query(`UPDATE conversations SET offered_to_id = $2, offer_expires_at = $3, assignment_reason = $4, updated_at = now() WHERE id = $1`, [
      id,
      agentId,
      expiresAt,
      reason,
    ]);
    await em.query(`UPDATE agent_status SET last_assigned_at = now() WHERE user_id = $1`, [agentId]);
  }

  async clearOffer(em: EntityManager, id: string, declinedBy: string, reason: string): Promise<void> {
    await em.query(
      `UPDATE conversations SET offered_to_id = NULL, offer_expires_at = NULL, assignment_reason = $3,
         declined_by = CASE WHEN $2 = ANY(declined_by) THEN declined_by ELSE array_append(declined_by, $2::uuid) END, updated_at = now()
       WHERE id = $1`,
      [id, declinedBy, reason],
    );
  }

  /**
   * Back to a team's queue. A conversation a bot was handling becomes `open` here: that is the
   * bot's hand-over to humans, and routing only looks at open conversations.
   */
  async setTeam(em: EntityManager, id: string, teamId: string | null, reason: string): Promise<void> {
    await em.query(
      `UPDATE conversations SET team_id = $2, assignee_id = NULL, offered_to_id = NULL, offer_expires_at = NULL, assigned_at = NULL,
         status = CASE WHEN status = 'bot' THEN 'open' ELSE status END,
         declined_by = '{}', assignment_reason = $3, waiting_since = coalesce(waiting_since, now()), updated_at = now() WHERE id = $1`,
      [id, teamId, reason],
    );
  }

  /** Assigned conversations whose customer has waited longer than the team's reply timeout since the assignment. */
  async unansweredPastTimeout(em: EntityManager): Promise<Array<{ id: string; agentId: string; seconds: number }>> {
    const rows = await queryRows<{ id: string; assignee_id: string; seconds: number }>(
      em,
      `SELECT c.id, c.assignee_id, t.reassign_if_no_reply_seconds AS seconds FROM conversations c JOIN teams t ON t.id = c.team_id
       WHERE c.status = 'open' AND c.assignee_id IS NOT NULL AND c.waiting_since IS NOT NULL AND t.reassign_if_no_reply_seconds IS NOT NULL
         AND greatest(c.waiting_since, c.assigned_at) < now() - make_interval(secs => t.reassign_if_no_reply_seconds)
       ORDER BY c.waiting_since LIMIT 200`,
    );
    return rows.map((r) => ({ id: r.id, agentId: r.assignee_id, seconds: r.seconds }));
  }

  async isUnansweredPastTimeout(em: EntityManager, id: string): Promise<boolean> {
    const [row] = await queryRows<{ '?column?': number }>(
      em,
      `SELECT 1 FROM conversations c JOIN teams t ON t.id = c.team_id
       WHERE c.id = $1 AND c.status = 'open' AND c.assignee_id IS NOT NULL AND c.waiting_since IS NOT NULL AND t.reassign_if_no_reply_seconds IS NOT NULL
         AND greatest(c.waiting_since, c.assigned_at) < now() - make_interval(secs => t.reassign_if_no_reply_seconds)`,
      [id],
    );
    return Boolean(row);
  }

  /** The agent counts as having declined: routing offers the conversation to someone else first. */
  async addDeclined(em: EntityManager, id: string, agentId: string): Promise<void> {
    await em.query(`UPDATE conversations SET declined_by = CASE WHEN $2 = ANY(declined_by) THEN declined_by ELSE array_append(declined_by, $2::uuid) END WHERE id = $1`, [
      id,
      agentId,
    ]);
  }

  async log(em: EntityManager, e: LogEntry): Promise<void> {
    await em.query(
      `INSERT INTO assignment_log (conversation_id, action, agent_id, previous_agent_id, team_id, by, actor_id, reason, reason_code, channel, agent_load_after, agent_capacity, over_capacity)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        e.conversationId,
        e.action,
        e.agentId,
        e.previousAgentId,
        e.teamId,
        e.by,
        e.actorId,
        e.reason,
        e.reasonCode,
        e.channel,
        e.agentLoadAfter ?? null,
        e.agentCapacity ?? null,
        e.overCapacity ?? false,
      ],
    );
  }

  /** The agent's open conversations, all or those of one team or one inbox. */
  async openConversationsOf(em: EntityManager, agentId: string, scope: { teamId?: string; inboxId?: string } = {}): Promise<Array<{ id: string; teamId: string | null }>> {
    const rows = await queryRows<{ id: string; team_id: string | null }>(
      em,
      `SELECT id, team_id FROM conversations WHERE assignee_id = $1 AND status = 'open'
         AND ($2::uuid IS NULL OR team_id = $2) AND ($3::uuid IS NULL OR inbox_id = $3)`,
      [agentId, scope.teamId ?? null, scope.inboxId ?? null],
    );
    return rows.map((r) => ({ id: r.id, teamId: r.team_id }));
  }

  async offersTo(em: EntityManager, agentId: string, inboxId?: string): Promise<string[]> {
    return (await queryRows<{ id: string }>(em, `SELECT id FROM conversations WHERE offered_to_id = $1 AND ($2::uuid IS NULL OR inbox_id = $2)`, [agentId, inboxId ?? null])).map(
      (r) => r.id,
    );
  }

  async expiredOffers(em: EntityManager): Promise<Array<{ id: string; agentId: string }>> {
    const rows = await queryRows<{ id: string; offered_to_id: string }>(
      em,
      `SELECT id, offered_to_id FROM conversations WHERE offered_to_id IS NOT NULL AND offer_expires_at < now() - interval '2 seconds' LIMIT 500`,
    );
    return rows.map((r) => ({ id: r.id, agentId: r.offered_to_id }));
  }

  async queueStats(em: EntityManager): Promise<{ teams: Array<{ teamId: string | null; name: string; waiting: number; oldestWaitSeconds: number }> }> {
    const rows = await queryRows<{ team_id: string | null; name: string; waiting: number; oldest: number }>(
      em,
      `SELECT c.team_id, coalesce(t.name, 'No team') AS name, count(*)::int AS waiting,
              coalesce(extract(epoch FROM now() - min(coalesce(c.waiting_since, c.created_at))), 0)::int AS oldest
       FROM conversations c LEFT JOIN teams t ON t.id = c.team_id
       WHERE c.status = 'open' AND c.assignee_id IS NULL GROUP BY c.team_id, t.name ORDER BY name`,
    );
    return { teams: rows.map((r) => ({ teamId: r.team_id, name: r.name, waiting: r.waiting, oldestWaitSeconds: r.oldest })) };
  }
}
