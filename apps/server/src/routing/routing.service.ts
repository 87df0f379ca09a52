import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import {
  APP_CONFIG,
  AppConfig,
  ConversationRepository,
  ConversationService,
  DomainError,
  DomainEvents,
  JobQueue,
  Principal,
  Transactions,
  TxContext,
  notFound,
} from '@inbox/core';
import { BUILT_IN_DEFAULT_TEAM, RequeueCause, isInboxMember, RoutingDecision, TeamSettings, capacityFor, checkManualAssignment, decide, isOpen, requeueForAgent } from '@inbox/routing';
import type { AssignedEvent } from '@inbox/realtime-contract';
import { AssignmentAction, LockedConversation, RoutingRepository } from './routing.repository';

export const OFFER_EXPIRY_QUEUE = 'routing-offer-expiry';
const QUEUE_LIMIT = 10_000;

type By = AssignedEvent['by'];

/**
 * The thin driver around the pure engine: loads state, asks `decide`, and applies each
 * decision in its own transaction under row locks (conversation FOR UPDATE SKIP LOCKED,
 * agent row FOR UPDATE while checking capacity). Safe with any number of replicas: two
 * passes may race, but the locks let only one of them change a conversation or an agent.
 */
@Injectable()
export class RoutingService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RoutingService.name);
  private running: Promise<void> | null = null;
  private dirty = false;
  private wantWaitReasons = false;
  private debounce: NodeJS.Timeout | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  /** Counts for benchmarks and logs. */
  readonly stats = { passes: 0, assigned: 0, offered: 0, skippedLocked: 0, lastPassMs: 0, lastDecideMs: 0 };

  constructor(
    private readonly tx: Transactions,
    private readonly repo: RoutingRepository,
    private readonly conversations: ConversationRepository,
    private readonly conversationService: ConversationService,
    private readonly events: DomainEvents,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.define({ name: OFFER_EXPIRY_QUEUE, retryLimit: 5, retryDelay: 1, retryBackoff: true });
    if (this.config.runWorkers) {
      await this.jobs.work<{ conversationId: string; agentId: string }>(OFFER_EXPIRY_QUEUE, (job) => this.expireOffer(job.data.conversationId, job.data.agentId), { concurrency: 2 });
    }
    // Any change that may free capacity or need an agent asks for a pass; passes coalesce.
    this.unsubscribe = this.events.subscribe((e) => {
      if (e.type === 'conversation.created' || e.type === 'agent.presence' || (e.type === 'conversation.updated' && this.routingStateChanged(e.payload))) this.requestPass();
      if (e.type === 'conversation.created') {
        const c = e.payload as { id: string; teamId: string | null };
        this.sendAwayMessageIfClosed(c.id, c.teamId).catch((err) => this.logger.warn({ err, conversationId: c.id }, 'away message failed'));
      }
    });
    // A slow tick covers what no event announces: overflow thresholds, business hours opening, other replicas' changes.
    this.ticker = setInterval(() => {
      this.requestPass(true);
      this.sweepExpiredOffers().catch((err) => this.logger.warn({ err }, 'offer sweep failed'));
    }, 5000);
    this.ticker.unref();
    this.requestPass(true);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.ticker) clearInterval(this.ticker);
    if (this.debounce) clearTimeout(this.debounce);
    await this.running?.catch(() => undefined);
  }

  /**
   * Schedules a pass. Requests in a burst (an ingest storm) fold into one pass a few
   * milliseconds later; while one runs, further requests fold into a single follow-up.
   * `withWaitReasons`: also store why waiting conversations wait. Only the periodic tick
   * asks for it, so a burst of new conversations costs one pass, not one write each.
   */
  requestPass(withWaitReasons = false): void {
    if (this.stopped) return;
    this.wantWaitReasons ||= withWaitReasons;
    if (this.running) {
      this.dirty = true;
      return;
    }
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.running = (async () => {
        do {
          this.dirty = false;
          const withReasons = this.wantWaitReasons;
          this.wantWaitReasons = false;
          try {
            await this.pass(withReasons);
          } catch (err) {
            if (!this.stopped) this.logger.error({ err }, 'routing pass failed');
          }
        } while (this.dirty && !this.stopped);
      })().finally(() => {
        this.running = null;
      });
    }, 10);
  }

  /** Resolves when no pass is running or pending (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.running || this.debounce) await (this.running ?? new Promise((r) => setTimeout(r, 15)));
  }

  private async pass(withWaitReasons: boolean): Promise<void> {
    const started = performance.now();
    const em = this.tx.manager;
    const { queue, reasons } = await this.repo.queue(em, QUEUE_LIMIT);
    if (queue.length === 0) return;
    const [agents, teams] = await Promise.all([this.repo.agents(em, true), this.repo.teams(em)]);
    const decideStart = performance.now();
    const out = decide({ now: Date.now(), queue, agents, teams, defaultTeam: BUILT_IN_DEFAULT_TEAM as TeamSettings });
    this.stats.lastDecideMs = performance.now() - decideStart;
    for (const w of out.warnings ?? []) this.logger.warn({ teamId: w.teamId, code: w.code }, w.message);
    for (const d of out.decisions) {
      if (this.stopped) return;
      // Most of a long queue just keeps waiting for the same reason: nothing to write.
      if (d.type === 'wait' && (!withWaitReasons || reasons.get(d.conversationId) === d.reason.text)) continue;
      await this.apply(d);
    }
    if (Object.keys(out.roundRobinLastAgentId).length) await this.repo.saveRoundRobin(em, out.roundRobinLastAgentId);
    this.stats.passes++;
    this.stats.lastPassMs = performance.now() - started;
  }

  private async apply(d: RoutingDecision): Promise<void> {
    switch (d.type) {
      case 'assign':
      case 'offer':
        try {
          await this.tx.run(async (tx) => {
            const conv = await this.repo.lockConversation(tx.em, d.conversationId, true);
            // Gone, locked by another replica, or no longer waiting: the next pass sees the truth.
            if (!conv || conv.status !== 'open' || conv.assigneeId || conv.offeredToId) {
              this.stats.skippedLocked++;
              return;
            }
            if (d.type === 'assign') {
              await this.assignLocked(tx, conv, d.agentId, { by: 'routing', actorId: null, action: 'assign', reason: d.reason.text, reasonCode: d.reason.code, force: false, requireOnline: true });
              this.stats.assigned++;
            } else {
              await this.offerLocked(tx, conv, d.agentId, new Date(d.expiresAt), d.reason.text, d.reason.code);
              this.stats.offered++;
            }
          });
        } catch (err) {
          // Capacity taken or agent gone since the state was read, or a deadlock with another
          // writer (rolled back whole): expected under concurrency; the next pass sees the truth.
          const code = (err as { driverError?: { code?: string } }).driverError?.code;
          if (err instanceof DomainError || code === '40P01' || code === '40001') this.dirty = true;
          else throw err;
        }
        return;
      case 'overflow':
        await this.tx.run(async (tx) => {
          const conv = await this.repo.lockConversation(tx.em, d.conversationId, true);
          if (!conv || conv.assigneeId || conv.offeredToId || conv.teamId !== d.fromTeamId) return;
          await this.repo.setTeam(tx.em, conv.id, d.toTeamId, d.reason.text);
          await this.repo.log(tx.em, { conversationId: conv.id, action: 'overflow', agentId: null, previousAgentId: null, teamId: d.fromTeamId, by: 'routing', actorId: null, reason: d.reason.text, reasonCode: d.reason.code, channel: conv.channel });
          await this.conversationService.addActivity(tx, conv.id, conv.inboxId, null, `Moved to another team by routing: ${d.reason.text}`, { routing: { action: 'overflow', code: d.reason.code, params: d.reason.params } });
          await this.emitUpdated(tx, conv.id);
        });
        this.dirty = true;
        return;
      case 'wait':
        await this.tx.run(async (tx) => {
          if (await this.repo.setWaitReason(tx.em, d.conversationId, d.reason.text)) await this.emitUpdated(tx, d.conversationId);
        });
        return;
    }
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
    o: { by: By; actorId: string | null; action: AssignmentAction; reason: string; reasonCode: string | null; force: boolean; requireOnline: boolean },
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
    await this.conversationService.addActivity(tx, conv.id, conv.inboxId, null, line, { routing: { action: o.action, agentId, previousAgentId: previous, code: o.reasonCode, overCapacity } });
    const event: AssignedEvent = { conversationId: conv.id, agentId, previousAgentId: previous, teamId: conv.teamId, reason: text, by: o.by };
    tx.emit({ type: 'conversation.assigned', conversationId: conv.id, payload: event as never });
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
    await this.repo.log(tx.em, { conversationId: conv.id, action: 'offer', agentId, previousAgentId: null, teamId: conv.teamId, by: 'routing', actorId: null, reason, reasonCode: code, channel: conv.channel, agentLoadAfter: load + 1, agentCapacity: capacity });
    // The expiry is a durable job: it fires once, on whichever replica, even after a restart.
    await this.jobs.sendInTx(tx.em, OFFER_EXPIRY_QUEUE, { conversationId: conv.id, agentId }, { startAfter: expiresAt });
    const summary = (await this.conversations.summary(tx.em, conv.id))!;
    tx.emit({ type: 'conversation.offered', conversationId: conv.id, payload: { conversationId: conv.id, agentId, expiresAt: expiresAt.toISOString(), reason, conversation: summary } as never });
    tx.emit({ type: 'conversation.updated', conversationId: conv.id, payload: summary as never });
  }

  private async emitUpdated(tx: TxContext, id: string): Promise<void> {
    tx.emit({ type: 'conversation.updated', conversationId: id, payload: (await this.conversations.summary(tx.em, id)) as never });
  }

  // ---- agents' answers to offers ----

  async acceptOffer(agentId: string, conversationId: string): Promise<void> {
    await this.tx.run(async (tx) => {
      const conv = await this.repo.lockConversation(tx.em, conversationId, false);
      if (!conv) throw notFound('conversation', conversationId);
      if (conv.offeredToId !== agentId) throw new DomainError('OFFER_NOT_FOUND', 'this conversation is not offered to you (it may have expired)');
      if (conv.offerExpiresAt && conv.offerExpiresAt.getTime() < Date.now()) throw new DomainError('OFFER_NOT_FOUND', 'the offer has expired');
      await this.assignLocked(tx, conv, agentId, { by: 'agent', actorId: agentId, action: 'accept', reason: 'accepted the offer', reasonCode: 'accepted', force: false, requireOnline: false });
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
      await this.repo.log(tx.em, { conversationId: conv.id, action, agentId: null, previousAgentId: agentId, teamId: conv.teamId, by: action === 'decline' ? 'agent' : 'system', actorId: action === 'decline' ? agentId : null, reason, reasonCode: action, channel: conv.channel });
      await this.conversationService.addActivity(tx, conv.id, conv.inboxId, null, `Offer ${action === 'decline' ? 'declined by' : 'timed out for'} ${agent?.name ?? 'agent'}; back in the queue`, { routing: { action, agentId } });
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
      const agents = await this.repo.agents(tx.em, false);
      const asAgent = agents.find((a) => a.id === agentId);
      const target = asAgent ?? (await this.staffAsAgent(tx, agentId));
      // An agent must be able to open what they are given; coordinators and admins see every inbox.
      if (asAgent && !isInboxMember(asAgent, { inboxId: conv.inboxId })) {
        throw new DomainError('AGENT_NOT_ELIGIBLE', `${asAgent.name} is not a member of this conversation's inbox; add them to the inbox first`, { reason: 'NOT_INBOX_MEMBER' });
      }
      const team = await this.repo.team(tx.em, conv.teamId);
      const check = checkManualAssignment(
        target,
        { id: conv.id, channel: conv.channel, teamId: conv.teamId, requiredSkills: conv.requiredSkills, language: conv.language, priority: conv.priority, waitingSince: 0, lastAgentId: null, lastAgentAt: null, declinedBy: conv.declinedBy },
        team ?? BUILT_IN_DEFAULT_TEAM,
        { force },
      );
      if (!check.ok) throw new DomainError('AGENT_AT_CAPACITY', check.message);
      if (conv.offeredToId) await this.repo.log(tx.em, { conversationId: conv.id, action: 'release', agentId: null, previousAgentId: conv.offeredToId, teamId: conv.teamId, by: 'coordinator', actorId, reason: 'offer withdrawn by a coordinator', reasonCode: 'withdrawn', channel: conv.channel });
      const reason = actorId === agentId ? `${target.name} took over` : `reassigned by ${actor.type === 'user' ? actor.name : 'a bot'}`;
      await this.assignLocked(tx, conv, agentId, { by: 'coordinator', actorId, action: 'assign', reason: reason + (check.warnings.length ? ` (${check.warnings.join(', ').toLowerCase()})` : ''), reasonCode: actorId === agentId ? 'takeover' : 'manual', force, requireOnline: false });
    });
  }

  private async staffAsAgent(tx: TxContext, userId: string) {
    const u = await this.repo.lockAgent(tx.em, userId);
    if (!u || !u.active) throw notFound('user', userId);
    return { id: userId, name: u.name, presence: u.presence as 'online', teamIds: u.teamIds, skills: u.skills, languages: u.languages, capacity: u.capacity, load: {}, lastAssignedAt: null };
  }

  async unassign(actor: Principal, conversationId: string, action: 'unassign' | 'transfer' = 'unassign', teamId?: string | null): Promise<void> {
    const actorId = actor.type === 'user' ? actor.id : null;
    await this.tx.run(async (tx) => {
      const conv = await this.repo.lockConversation(tx.em, conversationId, false);
      if (!conv) throw notFound('conversation', conversationId);
      const previous = conv.assigneeId ?? conv.offeredToId;
      if (previous) await this.repo.lockAgent(tx.em, previous);
      const team = action === 'transfer' ? await this.repo.team(tx.em, teamId ?? null) : null;
      if (action === 'transfer' && !team) throw notFound('team', String(teamId));
      const reason = action === 'transfer' ? `transferred to ${team!.name}` : 'unassigned by a coordinator';
      await this.repo.setTeam(tx.em, conv.id, action === 'transfer' ? team!.id : conv.teamId, reason);
      await this.repo.log(tx.em, { conversationId: conv.id, action, agentId: null, previousAgentId: previous, teamId: action === 'transfer' ? team!.id : conv.teamId, by: actor.type === 'bot' ? 'system' : 'coordinator', actorId, reason, reasonCode: action, channel: conv.channel });
      await this.conversationService.addActivity(tx, conv.id, conv.inboxId, actor, action === 'transfer' ? `Transferred to ${team!.name}; back in its queue` : 'Unassigned; back in the queue', { routing: { action, previousAgentId: previous } });
      if (previous) tx.emit({ type: 'conversation.assigned', conversationId: conv.id, payload: { conversationId: conv.id, agentId: null, previousAgentId: previous, teamId: action === 'transfer' ? team!.id : conv.teamId, reason, by: 'coordinator' } as never });
      await this.emitUpdated(tx, conv.id);
    });
  }

  /** After presence loss (past grace) or removal from a team: the agent's open conversations go back to the queue. */
  async requeueAgent(agentId: string, cause: RequeueCause, scope: { teamId?: string; inboxId?: string } = {}): Promise<number> {
    const em = this.tx.manager;
    const convs = await this.repo.openConversationsOf(em, agentId, scope);
    // Offers go with the conversations: all of them when the agent left, that inbox's when they lost access to it.
    const offers = cause === 'offline' ? await this.repo.offersTo(em, agentId) : cause === 'removed_from_inbox' ? await this.repo.offersTo(em, agentId, scope.inboxId) : [];
    const [agentRow] = await em.query(`SELECT name FROM users WHERE id = $1`, [agentId]);
    const decisions = requeueForAgent(agentId, convs, cause, { agentName: agentRow?.name });
    let moved = 0;
    for (const d of decisions) {
      await this.tx.run(async (tx) => {
        const conv = await this.repo.lockConversation(tx.em, d.conversationId, false);
        if (!conv || conv.assigneeId !== agentId) return;
        await this.repo.lockAgent(tx.em, agentId);
        await this.repo.setTeam(tx.em, conv.id, conv.teamId, d.reason.text);
        await this.repo.log(tx.em, { conversationId: conv.id, action: 'requeue', agentId: null, previousAgentId: agentId, teamId: conv.teamId, by: 'system', actorId: null, reason: d.reason.text, reasonCode: d.reason.code, channel: conv.channel });
        await this.conversationService.addActivity(tx, conv.id, conv.inboxId, null, `Back in the queue: ${d.reason.text}`, { routing: { action: 'requeue', previousAgentId: agentId, code: d.reason.code } });
        tx.emit({ type: 'conversation.assigned', conversationId: conv.id, payload: { conversationId: conv.id, agentId: null, previousAgentId: agentId, teamId: conv.teamId, reason: d.reason.text, by: 'system' } as never });
        await this.emitUpdated(tx, conv.id);
        moved++;
      });
    }
    for (const id of offers) await this.releaseOffer(id, agentId, 'expire').catch(() => undefined);
    if (moved || offers.length) this.requestPass();
    return moved;
  }

  /**
   * A conversation update matters to routing when what routing looks at changed (status,
   * assignee, offer, team, priority); a customer's second message in a waiting or an
   * assigned conversation changes none of it. Unknown conversations count as changed.
   */
  private readonly lastRoutingState = new Map<string, string>();
  private routingStateChanged(payload: Record<string, unknown>): boolean {
    const c = payload as { id: string; status: string; assigneeId: string | null; teamId: string | null; priority: number; assignmentReason: string | null };
    const key = `${c.status}|${c.assigneeId}|${c.teamId}|${c.priority}|${c.assignmentReason}`;
    const before = this.lastRoutingState.get(c.id);
    if (this.lastRoutingState.size > 100_000) this.lastRoutingState.clear();
    this.lastRoutingState.set(c.id, key);
    return before !== key;
  }

  /** Outside a team's business hours a new conversation waits, and the customer is told so once. */
  private async sendAwayMessageIfClosed(conversationId: string, teamId: string | null): Promise<void> {
    if (!teamId) return;
    const [row] = await this.tx.manager.query(`SELECT away_message, business_hours FROM teams WHERE id = $1`, [teamId]);
    if (!row?.away_message || !row.business_hours || isOpen(row.business_hours, Date.now())) return;
    await this.conversationService.postSystemReply(conversationId, row.away_message, { reason: 'away_message' });
  }

  /** Offers whose expiry job was lost (e.g. queue purged): swept by the tick. */
  async sweepExpiredOffers(): Promise<void> {
    for (const o of await this.repo.expiredOffers(this.tx.manager)) await this.expireOffer(o.id, o.agentId);
  }
}
