import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import {
  APP_CONFIG,
  AccessService,
  AppConfig,
  ConversationHooks,
  ConversationRepository,
  ConversationService,
  DomainError,
  DomainEvent,
  JobQueue,
  MessageRepository,
  Principal,
  RunOptions,
  Transactions,
  TxContext,
  notFound,
} from '@inbox/core';
import {
  AgentState,
  BUILT_IN_DEFAULT_CAPACITY,
  BUILT_IN_DEFAULT_TEAM,
  QueuedConversation,
  RequeueCause,
  RoutingDecision,
  TeamSettings,
  capacityFor,
  checkManualAssignment,
  isInboxMember,
  requeueForAgent,
} from '@inbox/routing';
import type { AssignedEvent } from '@inbox/realtime-contract';
import { ASSIGN_ONE_AND_COMMIT, AssignmentAction, BatchConversation, LockedAgent, LockedConversation, RoutingRepository } from './routing.repository';

export const OFFER_EXPIRY_QUEUE = 'routing-offer-expiry';

type By = AssignedEvent['by'];
type Decision<T extends RoutingDecision['type']> = Extract<RoutingDecision, { type: T }>;

/**
 * Routing batches up to this size run with generic plans (Transactions' GENERIC): the usual
 * batch of a pass after one new conversation is one decision, whose statements were planned again
 * on every execution; a storm's batches of up to 200 keep custom plans, made for their arrays.
 * Their joins are nested loops (Transactions' NESTED_LOOPS): a generic plan made while the tables
 * were small would otherwise go on hashing all of `conversations` and `contacts` for one decision.
 */
const GENERIC_PLAN_BATCH = 10;
const SMALL_BATCH_PLANS: RunOptions = Object.freeze({ genericPlans: true, nestedLoops: true });

/**
 * The only writer of assignments: routing's decisions, offers and their answers, coordinator
 * overrides, unassign/transfer and requeues all change `assignee_id`/`offered_to_id` here,
 * each in its own transaction (a routing pass's assignments: many in one) under row locks (conversation FOR UPDATE, SKIP LOCKED for
 * automatic passes; the agent's status row FOR UPDATE while capacity is checked on fresh
 * counts). Two replicas may race; the locks let only one of them change a conversation or
 * push an agent past capacity. Every change writes the assignment log, an activity line and
 * the events that reach both agents' screens.
 */
@Injectable()
export class AssignmentService implements OnApplicationBootstrap {
  constructor(
    private readonly tx: Transactions,
    private readonly repo: RoutingRepository,
    private readonly conversations: ConversationRepository,
    private readonly conversationService: ConversationService,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly access: AccessService,
    private readonly messages: MessageRepository,
    private readonly hooks: ConversationHooks,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.define({ name: OFFER_EXPIRY_QUEUE, retryLimit: 5, retryDelay: 1, retryBackoff: true, notifyOnCommit: false });
    if (this.config.runWorkers) {
      await this.jobs.work<{ conversationId: string; agentId: string }>(OFFER_EXPIRY_QUEUE, (job) => this.expireOffer(job.data.conversationId, job.data.agentId), {
        concurrency: 2,
      });
    }
  }

  // ---- routing's decisions ----

  /**
   * Applies many assign/offer decisions of one pass in ONE transaction: the conversations locked
   * together (SKIP LOCKED: another replica's rows are left to it), then the agents' status rows in
   * id order, their loads read under those locks (`agent_loads`, kept by triggers), and each
   * decision checked against capacity in the pass's order, counting the ones before it. The events
   * are told from the locked rows; the batch's one write goes with the outbox rows and the COMMIT
   * (two round trips in all), and the events are published after that commit.
   * `skipped`: conversations locked elsewhere or no longer waiting; `refused`: the agent went
   * offline or filled up since the pass read the state (the next pass sees the truth).
   */
  async applyAutomaticBatch(decisions: Array<Decision<'assign'> | Decision<'offer'>>, seen?: PassView): Promise<BatchOutcome> {
    const out = { assigned: 0, offered: 0, skipped: 0, refused: 0 };
    if (!decisions.length) return out;
    const one = decisions.length === 1 && decisions[0].type === 'assign' && seen ? await this.assignInOneRoundTrip(decisions[0], seen) : null;
    if (one) return one;
    const plans = decisions.length <= GENERIC_PLAN_BATCH ? SMALL_BATCH_PLANS : {};
    await this.tx.run(async (tx) => {
      // Everything the batch decides from, locked, in one round trip (with the BEGIN): the agents of
      // every decision, also of one whose conversation turns out taken (a lock held a moment longer).
      const {
        conversations: convs,
        agents,
        loads,
        teams,
        now,
      } = await this.repo.lockBatch(
        tx.em,
        decisions.map((d) => d.conversationId),
        decisions.map((d) => d.agentId),
      );
      const ready: Array<{ d: Decision<'assign'> | Decision<'offer'>; conv: BatchConversation }> = [];
      for (const d of decisions) {
        const conv = convs.get(d.conversationId);
        if (!conv || conv.status !== 'open' || conv.assigneeId || conv.offeredToId) out.skipped++;
        else ready.push({ d, conv });
      }
      if (!ready.length) return;
      const assigns: Array<{ conv: BatchConversation; d: Decision<'assign'>; agent: LockedAgent; load: number; capacity: number }> = [];
      const offers: Array<{ conv: BatchConversation; d: Decision<'offer'>; agent: LockedAgent; load: number; capacity: number }> = [];
      for (const { d, conv } of ready) {
        const agent = agents.get(d.agentId);
        if (!agent || !agent.active || agent.presence !== 'online') {
          out.refused++;
          continue;
        }
        const capacity = capacityFor({ capacity: agent.capacity }, (conv.teamId && teams.get(conv.teamId)) || BUILT_IN_DEFAULT_TEAM, conv.channel);
        const perKind = loads.get(d.agentId)!;
        const load = perKind[conv.channel] ?? 0;
        if (load + 1 > capacity) {
          out.refused++;
          continue;
        }
        perKind[conv.channel] = load + 1;
        if (d.type === 'assign') assigns.push({ conv, d, agent, load: load + 1, capacity });
        else offers.push({ conv, d, agent, load: load + 1, capacity });
      }
      if (!assigns.length && !offers.length) return;
      const pick = (p: (typeof assigns)[number] | (typeof offers)[number]) => ({
        conversationId: p.conv.id,
        inboxId: p.conv.inboxId,
        contactId: p.conv.contactId,
        teamId: p.conv.teamId,
        channel: p.conv.channel,
        agentId: p.agent.id,
        reason: p.d.reason.text,
        reasonCode: p.d.reason.code,
        agentLoadAfter: p.load,
        agentCapacity: p.capacity,
        locked: p.conv.summary,
      });
      // Conversations, agents' last-assigned time, contacts' last agent, the log and the assignments'
      // activity lines (the same line assignLocked writes for routing's assignments): one statement,
      // sent with the outbox rows and the COMMIT after the offers' expiry jobs below.
      const { summaries, activities } = this.repo.applyAutomatic(
        tx,
        [
          ...assigns.map((a) => ({ ...pick(a), action: 'assign' as const, activity: routingActivity(a.agent, a.d) })),
          ...offers.map((o) => ({ ...pick(o), action: 'offer' as const, expiresAt: new Date(o.d.expiresAt) })),
        ],
        now!,
      );
      // The expiry is a durable job: it fires once, on whichever replica, even after a restart.
      for (const o of offers) await this.jobs.sendInTx(tx.em, OFFER_EXPIRY_QUEUE, { conversationId: o.conv.id, agentId: o.agent.id }, { startAfter: new Date(o.d.expiresAt) });
      for (const a of assigns) {
        const id = a.conv.id;
        tx.emit({ type: 'message.created', conversationId: id, payload: activities.get(id)! });
        tx.emit({
          type: 'conversation.assigned',
          conversationId: id,
          payload: { conversationId: id, agentId: a.agent.id, previousAgentId: null, teamId: a.conv.teamId, reason: a.d.reason.text, by: 'routing' },
        });
        const summary = summaries.get(id);
        if (summary) tx.emit({ type: 'conversation.updated', conversationId: id, payload: summary });
      }
      for (const o of offers) {
        const id = o.conv.id;
        const summary = summaries.get(id)!;
        tx.emit({
          type: 'conversation.offered',
          conversationId: id,
          payload: { conversationId: id, agentId: o.agent.id, expiresAt: new Date(o.d.expiresAt).toISOString(), reason: o.d.reason.text, conversation: summary },
        });
        tx.emit({ type: 'conversation.updated', conversationId: id, payload: summary });
      }
      out.assigned = assigns.length;
      out.offered = offers.length;
    }, plans);
    return out;
  }

  /**
   * A pass's single assignment as ONE statement sent with its BEGIN and COMMIT (RoutingRepository's
   * ASSIGN_ONE_AND_COMMIT): one round trip after the pass's read, where the batch takes two (its
   * locks, then its write with the outbox rows and the COMMIT). The statement checks under its locks
   * what the batch checks, against the capacity told from what the pass read (`seen`: the statement
   * confirms those inputs are unchanged). Null: the batch path decides (nothing was written: the
   * pass's view was not enough, or the statement could not check something alone).
   */
  private async assignInOneRoundTrip(d: Decision<'assign'>, seen: PassView): Promise<BatchOutcome | null> {
    const conv = seen.queue.find((c) => c.id === d.conversationId);
    const agent = seen.agents.find((a) => a.id === d.agentId);
    const team = conv?.teamId ? seen.teams.find((t) => t.id === conv.teamId) : null;
    // SLA clocks change the summary the statement cannot write; a team the pass did not read: the batch's defaults.
    if (!conv || !agent || conv.slaDueAt !== null || team === undefined) return null;
    const capacity = capacityFor({ capacity: agent.capacity }, team ?? BUILT_IN_DEFAULT_TEAM, conv.channel);
    const line = routingActivity(agent, d);
    const [row] = await this.tx.commitOne<AssignOneRow>(
      ASSIGN_ONE_AND_COMMIT,
      [
        conv.id,
        agent.id,
        conv.channel,
        conv.teamId,
        agent.name,
        JSON.stringify(agent.capacity),
        JSON.stringify(BUILT_IN_DEFAULT_CAPACITY),
        team ? JSON.stringify(team.defaultCapacity) : null,
        capacity,
        d.reason.text,
        d.reason.code,
        line.text,
        JSON.stringify(line.metadata),
      ],
      SMALL_BATCH_PLANS,
    );
    const out = { assigned: 0, offered: 0, skipped: 0, refused: 0 };
    if (row.outcome === 'skipped') out.skipped = 1;
    else if (row.outcome === 'refused') out.refused = 1;
    else if (row.outcome === 'assigned' && row.events?.length === 3) {
      // Published as the outbox holds them (the payloads PostgreSQL wrote), as a replay reads them.
      this.tx.publish(row.events.map((e) => ({ seq: Number(e.seq), type: e.type, conversationId: conv.id, payload: e.payload }) as DomainEvent));
      out.assigned = 1;
    } else return null;
    return out;
  }

  /** Stores why conversations still wait, shown to coordinators; only changed reasons are written (one statement for all). */
  async recordWaits(ds: Array<Decision<'wait'>>): Promise<void> {
    if (!ds.length) return;
    await this.tx.run(async (tx) => {
      const changed = await this.repo.setWaitReasons(
        tx.em,
        ds.map((d) => ({ id: d.conversationId, reason: d.reason.text })),
      );
      const summaries = await this.conversations.summariesOf(tx.em, changed);
      for (const id of changed) {
        const summary = summaries.get(id);
        if (summary) tx.emit({ type: 'conversation.updated', conversationId: id, payload: summary });
      }
    });
  }

  async overflow(d: Decision<'overflow'>): Promise<void> {
    await this.tx.run(async (tx) => {
      const conv = await this.repo.lockConversation(tx.em, d.conversationId, true);
      if (!conv || conv.assigneeId || conv.offeredToId || conv.teamId !== d.fromTeamId) return;
      await this.repo.setTeam(tx.em, conv.id, d.toTeamId, d.reason.text);
      await this.repo.log(tx.em, {
        conversationId: conv.id,
        action: 'overflow',
        agentId: null,
        previousAgentId: null,
        teamId: d.fromTeamId,
        by: 'routing',
        actorId: null,
        reason: d.reason.text,
        reasonCode: d.reason.code,
        channel: conv.channel,
      });
      await this.conversationService.addActivity(tx, conv.id, conv.inboxId, null, `Moved to another team by routing: ${d.reason.text}`, {
        routing: { action: 'overflow', code: d.reason.code, params: d.reason.params },
      });
      await this.emitUpdated(tx, conv.id);
    });
  }

  /**
   * The one place where a conversation gets an assignee. Called with the conversation
   * row locked; takes the agent lock, re-checks capacity on fresh counts, writes the
   * log row, the activity line and the events.
   */
  private async assignLocked(
    tx: TxContext,
    conv: LockedConversation,
    agentId: string,
    o: {
      by: By;
      actorId: string | null;
      action: AssignmentAction;
      reason: string;
      reasonCode: string | null;
      params?: Readonly<Record<string, string | number>>;
      force: boolean;
      requireOnline: boolean;
    },
  ): Promise<void> {
    const agent = await this.repo.lockAgent(tx.em, agentId);
    if (!agent || !agent.active) throw notFound('user', agentId);
    if (o.requireOnline && agent.presence !== 'online') throw new DomainError('AGENT_NOT_ELIGIBLE', `${agent.name} is ${agent.presence}`);
    const team = await this.repo.team(tx.em, conv.teamId);
    const capacity = capacityFor({ capacity: agent.capacity }, team ?? BUILT_IN_DEFAULT_TEAM, conv.channel);
    const load = await this.repo.agentLoad(tx.em, agentId, conv.channel, conv.id);
    const overCapacity = load + 1 > capacity;
    if (overCapacity && !o.force) throw new DomainError('AGENT_AT_CAPACITY', `${agent.name} already has ${load} of ${capacity} ${conv.channel} conversations`, { load, capacity });
    const previous = conv.assigneeId;
    const text = o.reason;
    await this.repo.setAssignee(tx.em, conv.id, agentId, text);
    await this.repo.log(tx.em, {
      conversationId: conv.id,
      action: o.action,
      agentId,
      previousAgentId: previous,
      teamId: conv.teamId,
      by: o.by,
      actorId: o.actorId,
      reason: text,
      reasonCode: o.reasonCode,
      channel: conv.channel,
      agentLoadAfter: load + 1,
      agentCapacity: capacity,
      overCapacity,
    });
    const who = o.by === 'routing' ? 'routing' : o.by === 'agent' ? `${agent.name}` : 'a coordinator';
    const line = o.action === 'accept' ? `${agent.name} accepted the conversation` : `Assigned to ${agent.name} by ${who}: ${text}${overCapacity ? ' (over capacity)' : ''}`;
    await this.conversationService.addActivity(tx, conv.id, conv.inboxId, null, line, {
      // code + params let clients write the line in their own language; `text` stays for API users.
      routing: { action: o.action, agentId, previousAgentId: previous, code: o.reasonCode, overCapacity, by: o.by, params: { ...o.params, agent: agent.name } },
    });
    const event: AssignedEvent = { conversationId: conv.id, agentId, previousAgentId: previous, teamId: conv.teamId, reason: text, by: o.by };
    tx.emit({ type: 'conversation.assigned', conversationId: conv.id, payload: event });
    await this.emitUpdated(tx, conv.id);
  }

  private async offerLocked(tx: TxContext, conv: LockedConversation, agentId: string, expiresAt: Date, reason: string, code: string): Promise<void> {
    const agent = await this.repo.lockAgent(tx.em, agentId);
    if (!agent || agent.presence !== 'online') throw new DomainError('AGENT_NOT_ELIGIBLE', 'agent is not online');
    const team = await this.repo.team(tx.em, conv.teamId);
    const capacity = capacityFor({ capacity: agent.capacity }, team ?? BUILT_IN_DEFAULT_TEAM, conv.channel);
    const load = await this.repo.agentLoad(tx.em, agentId, conv.channel, conv.id);
    if (load + 1 > capacity) throw new DomainError('AGENT_AT_CAPACITY', `${agent.name} is at capacity`);
    await this.repo.setOffer(tx.em, conv.id, agentId, expiresAt, reason);
    await this.repo.log(tx.em, {
      conversationId: conv.id,
      action: 'offer',
      agentId,
      previousAgentId: null,
      teamId: conv.teamId,
      by: 'routing',
      actorId: null,
      reason,
      reasonCode: code,
      channel: conv.channel,
      agentLoadAfter: load + 1,
      agentCapacity: capacity,
    });
    // The expiry is a durable job: it fires once, on whichever replica, even after a restart.
    await this.jobs.sendInTx(tx.em, OFFER_EXPIRY_QUEUE, { conversationId: conv.id, agentId }, { startAfter: expiresAt });
    const summary = (await this.conversations.summary(tx.em, conv.id))!;
    tx.emit({
      type: 'conversation.offered',
      conversationId: conv.id,
      payload: { conversationId: conv.id, agentId, expiresAt: expiresAt.toISOString(), reason, conversation: summary },
    });
    tx.emit({ type: 'conversation.updated', conversationId: conv.id, payload: summary });
  }

  private async emitUpdated(tx: TxContext, id: string): Promise<void> {
    const summary = await this.conversations.summary(tx.em, id);
    if (summary) tx.emit({ type: 'conversation.updated', conversationId: id, payload: summary });
  }

  // ---- agents' answers to offers ----

  async acceptOffer(agentId: string, conversationId: string): Promise<void> {
    await this.tx.run(async (tx) => {
      const conv = await this.repo.lockConversation(tx.em, conversationId, false);
      if (!conv) throw notFound('conversation', conversationId);
      if (conv.offeredToId !== agentId) throw new DomainError('OFFER_NOT_FOUND', 'this conversation is not offered to you (it may have expired)');
      if (conv.offerExpiresAt && conv.offerExpiresAt.getTime() < Date.now()) throw new DomainError('OFFER_NOT_FOUND', 'the offer has expired');
      await this.assignLocked(tx, conv, agentId, {
        by: 'agent',
        actorId: agentId,
        action: 'accept',
        reason: 'accepted the offer',
        reasonCode: 'accepted',
        force: false,
        requireOnline: false,
      });
    });
  }

  async declineOffer(agentId: string, conversationId: string): Promise<void> {
    await this.releaseOffer(conversationId, agentId, 'decline');
  }

  async expireOffer(conversationId: string, agentId: string): Promise<void> {
    await this.releaseOffer(conversationId, agentId, 'expire');
  }

  private async releaseOffer(conversationId: string, agentId: string, action: 'decline' | 'expire'): Promise<void> {
    await this.tx.run(async (tx) => {
      const conv = await this.repo.lockConversation(tx.em, conversationId, false);
      if (!conv) throw notFound('conversation', conversationId);
      if (conv.offeredToId !== agentId) {
        if (action === 'decline') throw new DomainError('OFFER_NOT_FOUND', 'this conversation is not offered to you');
        return; // accepted or released already: an expiry job arriving late is a no-op
      }
      if (action === 'expire' && conv.offerExpiresAt && conv.offerExpiresAt.getTime() > Date.now() + 500) return;
      const agent = await this.repo.lockAgent(tx.em, agentId);
      const reason = action === 'decline' ? `${agent?.name ?? 'the agent'} declined` : `offer to ${agent?.name ?? 'the agent'} timed out`;
      await this.repo.clearOffer(tx.em, conv.id, agentId, reason);
      await this.repo.log(tx.em, {
        conversationId: conv.id,
        action,
        agentId: null,
        previousAgentId: agentId,
        teamId: conv.teamId,
        by: action === 'decline' ? 'agent' : 'system',
        actorId: action === 'decline' ? agentId : null,
        reason,
        reasonCode: action,
        channel: conv.channel,
      });
      await this.conversationService.addActivity(
        tx,
        conv.id,
        conv.inboxId,
        null,
        `Offer ${action === 'decline' ? 'declined by' : 'timed out for'} ${agent?.name ?? 'agent'}; back in the queue`,
        { routing: { action, agentId, code: action, params: { agent: agent?.name ?? '' } } },
      );
      await this.emitUpdated(tx, conv.id);
    });
  }

  // ---- coordinators ----

  async coordinatorAssign(actor: Principal, conversationId: string, agentId: string, force: boolean): Promise<void> {
    const actorId = actor.type === 'user' ? actor.id : null;
    await this.tx.run(async (tx) => {
      const conv = await this.repo.lockConversation(tx.em, conversationId, false);
      if (!conv) throw notFound('conversation', conversationId);
      if (conv.status === 'resolved') throw new DomainError('INVALID_STATE', 'the conversation is resolved; reopen it first');
      if (conv.assigneeId === agentId) return;
      const agents = await this.repo.agents(tx.em);
      const asAgent = agents.find((a) => a.id === agentId);
      const target = asAgent ?? (await this.staffAsAgent(tx, agentId));
      // An agent must be able to open what they are given; coordinators and admins see every inbox.
      if (asAgent && !isInboxMember(asAgent, { inboxId: conv.inboxId })) {
        throw new DomainError('AGENT_NOT_ELIGIBLE', `${asAgent.name} is not a member of this conversation's inbox; add them to the inbox first`, { reason: 'NOT_INBOX_MEMBER' });
      }
      const team = await this.repo.team(tx.em, conv.teamId);
      const check = checkManualAssignment(
        target,
        {
          id: conv.id,
          channel: conv.channel,
          teamId: conv.teamId,
          requiredSkills: conv.requiredSkills,
          language: conv.language,
          priority: conv.priority,
          waitingSince: 0,
          lastAgentId: null,
          lastAgentAt: null,
          declinedBy: conv.declinedBy,
        },
        team ?? BUILT_IN_DEFAULT_TEAM,
        { force },
      );
      if (!check.ok) throw new DomainError('AGENT_AT_CAPACITY', check.message);
      if (conv.offeredToId)
        await this.repo.log(tx.em, {
          conversationId: conv.id,
          action: 'release',
          agentId: null,
          previousAgentId: conv.offeredToId,
          teamId: conv.teamId,
          by: 'coordinator',
          actorId,
          reason: 'offer withdrawn by a coordinator',
          reasonCode: 'withdrawn',
          channel: conv.channel,
        });
      const reason = actorId === agentId ? `${target.name} took over` : `reassigned by ${actor.type === 'user' ? actor.name : 'a bot'}`;
      await this.assignLocked(tx, conv, agentId, {
        by: 'coordinator',
        actorId,
        action: 'assign',
        reason: reason + (check.warnings.length ? ` (${check.warnings.join(', ').toLowerCase()})` : ''),
        reasonCode: actorId === agentId ? 'takeover' : 'manual',
        params: { by: actor.type === 'user' ? actor.name : '' },
        force,
        requireOnline: false,
      });
    });
  }

  private async staffAsAgent(tx: TxContext, userId: string) {
    const u = await this.repo.lockAgent(tx.em, userId);
    if (!u || !u.active) throw notFound('user', userId);
    return {
      id: userId,
      name: u.name,
      presence: u.presence as 'online',
      teamIds: u.teamIds,
      skills: u.skills,
      languages: u.languages,
      capacity: u.capacity,
      load: {},
      lastAssignedAt: null,
    };
  }

  async unassign(actor: Principal, conversationId: string, action: 'unassign' | 'transfer' = 'unassign', teamId?: string | null): Promise<void> {
    const actorId = actor.type === 'user' ? actor.id : null;
    await this.tx.run(async (tx) => {
      const conv = await this.repo.lockConversation(tx.em, conversationId, false);
      if (!conv) throw notFound('conversation', conversationId);
      // A scoped bot hands over only in its own inboxes.
      await this.access.assertCanSeeConversation(tx.em, actor, conv, conversationId);
      const previous = conv.assigneeId ?? conv.offeredToId;
      if (previous) await this.repo.lockAgent(tx.em, previous);
      const team = action === 'transfer' ? await this.repo.team(tx.em, teamId ?? null) : null;
      if (action === 'transfer' && !team) throw notFound('team', String(teamId));
      const reason = action === 'transfer' ? `transferred to ${team!.name}` : 'unassigned by a coordinator';
      await this.repo.setTeam(tx.em, conv.id, action === 'transfer' ? team!.id : conv.teamId, reason);
      await this.repo.log(tx.em, {
        conversationId: conv.id,
        action,
        agentId: null,
        previousAgentId: previous,
        teamId: action === 'transfer' ? team!.id : conv.teamId,
        by: actor.type === 'bot' ? 'system' : 'coordinator',
        actorId,
        reason,
        reasonCode: action,
        channel: conv.channel,
      });
      await this.conversationService.addActivity(
        tx,
        conv.id,
        conv.inboxId,
        actor,
        action === 'transfer' ? `Transferred to ${team!.name}; back in its queue` : 'Unassigned; back in the queue',
        { routing: { action, previousAgentId: previous, code: action, params: action === 'transfer' ? { team: team!.name, teamId: team!.id } : {} } },
      );
      if (previous)
        tx.emit({
          type: 'conversation.assigned',
          conversationId: conv.id,
          payload: { conversationId: conv.id, agentId: null, previousAgentId: previous, teamId: action === 'transfer' ? team!.id : conv.teamId, reason, by: 'coordinator' },
        });
      await this.emitUpdated(tx, conv.id);
    });
  }

  /** A conversation the agent started (POST /conversations) is theirs from the start, in the caller's transaction. */
  async assignStarter(tx: TxContext, conversationId: string, agentId: string): Promise<void> {
    const conv = await this.repo.lockConversation(tx.em, conversationId, false);
    if (!conv) throw notFound('conversation', conversationId);
    await this.assignLocked(tx, conv, agentId, {
      by: 'agent',
      actorId: agentId,
      action: 'assign',
      reason: 'started the conversation',
      reasonCode: 'started',
      force: true,
      requireOnline: false,
    });
  }

  /**
   * Handoff to humans (a bot's, or an agent's of their own conversation): the conversation
   * becomes `open` in a team's queue (the given team, else its own), the note is kept as a
   * private note, and routing assigns it from there.
   */
  async handoff(actor: Principal, conversationId: string, h: { teamId?: string; note?: string; priority?: number }): Promise<void> {
    await this.tx.run(async (tx) => {
      const conv = await this.repo.lockConversation(tx.em, conversationId, false);
      if (!conv) throw notFound('conversation', conversationId);
      await this.access.assertCanSeeConversation(tx.em, actor, conv, conversationId);
      if (conv.status === 'resolved') throw new DomainError('INVALID_STATE', 'a resolved conversation cannot be handed over; reopen it first');
      const previous = conv.assigneeId ?? conv.offeredToId;
      // An agent never takes a conversation away from a colleague this way (that is a coordinator's transfer).
      if (actor.type === 'user' && actor.role === 'agent' && previous !== null && previous !== actor.id) {
        throw new DomainError('FORBIDDEN', "agents hand over only their own, a bot's or unassigned conversations");
      }
      if (previous) await this.repo.lockAgent(tx.em, previous);
      const team = h.teamId ? await this.repo.team(tx.em, h.teamId) : null;
      if (h.teamId && !team) throw notFound('team', h.teamId);
      const by = actor.type === 'user' || actor.type === 'bot' ? actor.name : 'an integration';
      const note = h.note?.trim() || null;
      const reason = `handed over by ${by}${note ? `: ${note}` : ''}`;
      const teamId = team?.id ?? conv.teamId;
      await this.repo.setTeam(tx.em, conv.id, teamId, reason);
      await this.conversations.update(tx.em, conv.id, { status: 'open', snoozedUntil: null, ...(h.priority !== undefined ? { priority: h.priority } : {}) });
      await this.repo.log(tx.em, {
        conversationId: conv.id,
        action: team ? 'transfer' : 'unassign',
        agentId: null,
        previousAgentId: previous,
        teamId,
        by: actor.type === 'user' ? 'agent' : 'system',
        actorId: actor.type === 'user' ? actor.id : null,
        reason,
        reasonCode: 'handoff',
        channel: conv.channel,
      });
      if (note) {
        const noteId = (await this.messages.insert(tx.em, {
          conversationId: conv.id,
          inboxId: conv.inboxId,
          direction: 'outbound',
          kind: 'note',
          authorType: actor.type === 'bot' ? 'bot' : 'user',
          authorId: actor.type === 'inbox' ? null : actor.id,
          text: note,
          html: null,
          externalId: null,
          status: null,
          metadata: { handoff: true },
        }))!;
        tx.emit({ type: 'message.created', conversationId: conv.id, payload: (await this.messages.summary(tx.em, noteId))! });
      }
      await this.conversationService.addActivity(tx, conv.id, conv.inboxId, actor, `Handed over by ${by}${team ? ` to ${team.name}` : ''}; waiting for an agent`, {
        routing: { action: 'handoff', previousAgentId: previous, teamId },
      });
      if (previous)
        tx.emit({
          type: 'conversation.assigned',
          conversationId: conv.id,
          payload: { conversationId: conv.id, agentId: null, previousAgentId: previous, teamId, reason, by: 'system' },
        });
      await this.emitUpdated(tx, conv.id);
    });
  }

  /**
   * Escalation to a department: the assigned agent (or a coordinator, an admin, a bot) sends the
   * conversation to another team's queue with a handoff note, kept as a private note flagged
   * `handoff` that the receiving agent reads first. The assignment log keeps the chain
   * (action `escalate`, actor, previous agent, team), and routing's reason names it.
   */
  async escalate(actor: Principal, conversationId: string, e: { teamId: string; note: string; priority?: number }): Promise<void> {
    const actorId = actor.type === 'user' || actor.type === 'bot' ? actor.id : null;
    await this.tx.run(async (tx) => {
      const conv = await this.repo.lockConversation(tx.em, conversationId, false);
      if (!conv) throw notFound('conversation', conversationId);
      await this.access.assertCanSeeConversation(tx.em, actor, conv, conversationId);
      if (conv.status === 'resolved') throw new DomainError('INVALID_STATE', 'the conversation is resolved; reopen it first');
      const team = await this.repo.team(tx.em, e.teamId);
      if (!team) throw notFound('team', e.teamId);
      const previous = conv.assigneeId ?? conv.offeredToId;
      if (previous) await this.repo.lockAgent(tx.em, previous);
      const by = actor.type === 'user' || actor.type === 'bot' ? actor.name : 'an integration';
      const note = e.note.trim();
      const reason = `escalated by ${by} to ${team.name}: ${note}`;
      await this.repo.setTeam(tx.em, conv.id, team.id, reason);
      const priorityChanged = e.priority !== undefined && e.priority !== conv.priority;
      if (priorityChanged) await this.conversations.update(tx.em, conv.id, { priority: e.priority });
      const role = actor.type === 'user' ? (actor.role === 'agent' ? 'agent' : 'coordinator') : 'system';
      await this.repo.log(tx.em, {
        conversationId: conv.id,
        action: 'escalate',
        agentId: null,
        previousAgentId: previous,
        teamId: team.id,
        by: role,
        actorId: actor.type === 'user' ? actor.id : null,
        reason,
        reasonCode: 'escalated',
        channel: conv.channel,
      });
      const noteId = (await this.messages.insert(tx.em, {
        conversationId: conv.id,
        inboxId: conv.inboxId,
        direction: 'outbound',
        kind: 'note',
        authorType: actor.type === 'bot' ? 'bot' : actor.type === 'user' ? 'user' : 'system',
        authorId: actorId,
        text: note,
        html: null,
        externalId: null,
        status: null,
        metadata: { handoff: { kind: 'escalation', teamId: team.id, teamName: team.name, fromTeamId: conv.teamId, byId: actorId, byName: by } },
      }))!;
      tx.emit({ type: 'message.created', conversationId: conv.id, payload: (await this.messages.summary(tx.em, noteId))! });
      await this.conversationService.addActivity(tx, conv.id, conv.inboxId, actor, `Escalated by ${by} to ${team.name}; waiting in its queue`, {
        routing: { action: 'escalate', previousAgentId: previous, code: 'escalated' },
        activity: { code: 'escalated', params: { by, team: team.name } },
      });
      if (previous)
        tx.emit({
          type: 'conversation.assigned',
          conversationId: conv.id,
          payload: { conversationId: conv.id, agentId: null, previousAgentId: previous, teamId: team.id, reason, by: role === 'agent' ? 'agent' : role },
        });
      // The SLA policy may change with the team and priority; rules see the update.
      await this.hooks.run(tx, { type: 'conversation.updated', conversationId: conv.id, changed: priorityChanged ? ['team', 'priority'] : ['team'] }, 'user', actor);
      await this.emitUpdated(tx, conv.id);
    });
  }

  /** An automation rule sends the conversation to a team's queue, inside the rule's transaction. Returns false when it is there already. */
  async moveToTeamInTx(tx: TxContext, conversationId: string, teamId: string, ruleName: string): Promise<boolean> {
    const conv = await this.repo.lockConversation(tx.em, conversationId, false);
    if (!conv || conv.teamId === teamId) return false;
    const team = await this.repo.team(tx.em, teamId);
    if (!team) throw notFound('team', teamId);
    const previous = conv.assigneeId ?? conv.offeredToId;
    if (previous) await this.repo.lockAgent(tx.em, previous);
    const reason = `rule ${ruleName}: to ${team.name}`;
    await this.repo.setTeam(tx.em, conv.id, team.id, reason);
    await this.repo.log(tx.em, {
      conversationId: conv.id,
      action: 'transfer',
      agentId: null,
      previousAgentId: previous,
      teamId: team.id,
      by: 'system',
      actorId: null,
      reason,
      reasonCode: 'rule',
      channel: conv.channel,
    });
    if (previous)
      tx.emit({
        type: 'conversation.assigned',
        conversationId: conv.id,
        payload: { conversationId: conv.id, agentId: null, previousAgentId: previous, teamId: team.id, reason, by: 'system' },
      });
    return true;
  }

  /** An automation rule assigns an agent (capacity checked, presence not), inside the rule's transaction. */
  async assignByRuleInTx(tx: TxContext, conversationId: string, agentId: string, ruleName: string): Promise<boolean> {
    const conv = await this.repo.lockConversation(tx.em, conversationId, false);
    if (!conv || conv.assigneeId === agentId || conv.status === 'resolved') return false;
    await this.assignLocked(tx, conv, agentId, {
      by: 'system',
      actorId: null,
      action: 'assign',
      reason: `rule ${ruleName}`,
      reasonCode: 'rule',
      params: { rule: ruleName },
      force: false,
      requireOnline: false,
    });
    return true;
  }

  /** "Assign to me" from an unassigned conversation of an inbox the agent belongs to; counts against capacity (409 over it). */
  async claim(actor: Principal, conversationId: string): Promise<void> {
    if (actor.type !== 'user') throw new DomainError('FORBIDDEN', 'only a person can take a conversation');
    await this.tx.run(async (tx) => {
      const conv = await this.repo.lockConversation(tx.em, conversationId, false);
      if (!conv) throw notFound('conversation', conversationId);
      await this.access.assertCanSeeConversation(tx.em, actor, conv, conversationId);
      if (conv.status === 'resolved') throw new DomainError('INVALID_STATE', 'the conversation is resolved; reopen it first');
      if (conv.assigneeId === actor.id) return;
      if (conv.assigneeId) throw new DomainError('CONFLICT', 'the conversation is already assigned; ask a coordinator to reassign it');
      if (conv.offeredToId && conv.offeredToId !== actor.id) {
        await this.repo.log(tx.em, {
          conversationId: conv.id,
          action: 'release',
          agentId: null,
          previousAgentId: conv.offeredToId,
          teamId: conv.teamId,
          by: 'agent',
          actorId: actor.id,
          reason: `offer withdrawn: ${actor.name} took the conversation`,
          reasonCode: 'withdrawn',
          channel: conv.channel,
        });
      }
      await this.assignLocked(tx, conv, actor.id, {
        by: 'agent',
        actorId: actor.id,
        action: 'assign',
        reason: `${actor.name} took it from the queue`,
        reasonCode: 'claimed',
        force: false,
        requireOnline: false,
      });
    });
  }

  /**
   * Reply timeout (a team's `reassignIfNoReplySeconds`): an assigned agent who has not answered a
   * waiting customer within it loses the conversation; routing offers it to the next agent (the
   * one who let it wait counts as having declined). Run by the scheduler's tick.
   */
  async reclaimUnanswered(): Promise<number> {
    let moved = 0;
    for (const c of await this.repo.unansweredPastTimeout(this.tx.manager)) {
      await this.tx.run(async (tx) => {
        const conv = await this.repo.lockConversation(tx.em, c.id, true);
        if (!conv || conv.assigneeId !== c.agentId || !(await this.repo.isUnansweredPastTimeout(tx.em, c.id))) return;
        const agent = await this.repo.lockAgent(tx.em, c.agentId);
        const name = agent?.name ?? 'the agent';
        const reason = `${name} did not reply within ${c.seconds} s`;
        await this.repo.setTeam(tx.em, conv.id, conv.teamId, reason);
        await this.repo.addDeclined(tx.em, conv.id, c.agentId);
        await this.repo.log(tx.em, {
          conversationId: conv.id,
          action: 'requeue',
          agentId: null,
          previousAgentId: c.agentId,
          teamId: conv.teamId,
          by: 'system',
          actorId: null,
          reason,
          reasonCode: 'reply_timeout',
          channel: conv.channel,
        });
        await this.conversationService.addActivity(tx, conv.id, conv.inboxId, null, `Back in the queue: ${reason}`, {
          routing: { action: 'requeue', previousAgentId: c.agentId, code: 'reply_timeout' },
          activity: { code: 'reply_timeout', params: { agent: name, seconds: c.seconds } },
        });
        tx.emit({
          type: 'conversation.assigned',
          conversationId: conv.id,
          payload: { conversationId: conv.id, agentId: null, previousAgentId: c.agentId, teamId: conv.teamId, reason, by: 'system' },
        });
        await this.emitUpdated(tx, conv.id);
        moved++;
      });
    }
    return moved;
  }

  /** After presence loss (past grace) or removal from a team: the agent's open conversations go back to the queue. */
  async requeueAgent(agentId: string, cause: RequeueCause, scope: { teamId?: string; inboxId?: string } = {}): Promise<number> {
    const em = this.tx.manager;
    const convs = await this.repo.openConversationsOf(em, agentId, scope);
    // Offers go with the conversations: all of them when the agent left, that inbox's when they lost access to it.
    const offers = cause === 'offline' ? await this.repo.offersTo(em, agentId) : cause === 'removed_from_inbox' ? await this.repo.offersTo(em, agentId, scope.inboxId) : [];
    const [agentRow] = await em.query<Array<{ name: string }>>(`SELECT name FROM users WHERE id = $1`, [agentId]);
    const decisions = requeueForAgent(agentId, convs, cause, { agentName: agentRow?.name });
    let moved = 0;
    for (const d of decisions) {
      await this.tx.run(async (tx) => {
        const conv = await this.repo.lockConversation(tx.em, d.conversationId, false);
        if (!conv || conv.assigneeId !== agentId) return;
        await this.repo.lockAgent(tx.em, agentId);
        await this.repo.setTeam(tx.em, conv.id, conv.teamId, d.reason.text);
        await this.repo.log(tx.em, {
          conversationId: conv.id,
          action: 'requeue',
          agentId: null,
          previousAgentId: agentId,
          teamId: conv.teamId,
          by: 'system',
          actorId: null,
          reason: d.reason.text,
          reasonCode: d.reason.code,
          channel: conv.channel,
        });
        await this.conversationService.addActivity(tx, conv.id, conv.inboxId, null, `Back in the queue: ${d.reason.text}`, {
          routing: { action: 'requeue', previousAgentId: agentId, code: d.reason.code, params: d.reason.params },
        });
        tx.emit({
          type: 'conversation.assigned',
          conversationId: conv.id,
          payload: { conversationId: conv.id, agentId: null, previousAgentId: agentId, teamId: conv.teamId, reason: d.reason.text, by: 'system' },
        });
        await this.emitUpdated(tx, conv.id);
        moved++;
      });
    }
    for (const id of offers) await this.releaseOffer(id, agentId, 'expire').catch(() => undefined);
    return moved;
  }

  /** Offers whose expiry job was lost (e.g. queue purged): swept by the tick. */
  async sweepExpiredOffers(): Promise<void> {
    for (const o of await this.repo.expiredOffers(this.tx.manager)) await this.expireOffer(o.id, o.agentId);
  }
}

/** What the routing pass read before deciding: the one-round-trip assignment tells the capacity from it (see `assignInOneRoundTrip`). */
export interface PassView {
  queue: readonly QueuedConversation[];
  agents: readonly AgentState[];
  teams: readonly TeamSettings[];
}

/** What a batch of automatic decisions (or the one-round-trip assignment) did. */
export interface BatchOutcome {
  assigned: number;
  offered: number;
  skipped: number;
  refused: number;
}

/** A row of ASSIGN_ONE_AND_COMMIT. */
interface AssignOneRow {
  outcome: 'assigned' | 'skipped' | 'refused' | 'fallback';
  events: Array<{ seq: number | string; type: DomainEvent['type']; payload: unknown }> | null;
}

/** The activity line of routing's assignment (the same in a batch and in one round trip). */
function routingActivity(agent: { id: string; name: string }, d: Decision<'assign'>): { text: string; metadata: Record<string, unknown> } {
  return {
    text: `Assigned to ${agent.name} by routing: ${d.reason.text}`,
    metadata: {
      routing: {
        action: 'assign',
        agentId: agent.id,
        previousAgentId: null,
        code: d.reason.code,
        overCapacity: false,
        by: 'routing',
        params: { ...d.reason.params, agent: agent.name },
      },
    },
  };
}
