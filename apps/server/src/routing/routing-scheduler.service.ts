import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DomainError, DomainEvents, Transactions, isRetryableConflict } from '@inbox/core';
import type { ConversationSummary } from '@inbox/realtime-contract';
import { BUILT_IN_DEFAULT_TEAM, RoutingDecision, TeamSettings, anySpareCapacity, decide } from '@inbox/routing';
import { AssignmentService, PassView } from './assignment.service';
import { RoutingRepository } from './routing.repository';

const QUEUE_LIMIT = 10_000;
/**
 * Decisions applied per transaction. Larger batches cost fewer statements per assignment but hold
 * the agents' row locks longer (presence changes and manual assignments wait for them).
 */
const BATCH_SIZE = 200;
/**
 * While the last pass found no online agent with room, a new conversation does not ask for a pass
 * of its own: one pass this long after that read covers every conversation that came meanwhile.
 * Room that opens here (a presence change, a resolve, an unassign) asks for a pass at once as
 * always; this delay only bounds how late room opened where no event here announces it (another
 * replica's agent, an admin's capacity change) is seen, where every new conversation read the
 * agents again before (a round trip and the agents' query each, for nothing, through a burst or
 * a night without agents).
 */
const FULL_HOUSE_RECHECK_MS = 250;

/**
 * When routing runs: passes coalesce after bursts of events and on a slow tick, load the
 * state, ask the pure engine to `decide`, and hand the assignments and offers to the
 * AssignmentService in batches, each applied in one transaction under row locks (a burst of
 * new conversations costs a few statements per batch, not a dozen per assignment). Safe with
 * any number of replicas: two passes may race, but the locks let only one of them change a
 * conversation or an agent.
 */
@Injectable()
export class RoutingScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RoutingScheduler.name);
  private running: Promise<void> | null = null;
  private dirty = false;
  private wantWaitReasons = false;
  private debounce: NodeJS.Immediate | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  /** The last pass left nobody waiting: the next one reads state and queue together (see `pass`). */
  private expectRoom = true;
  /** When the last pass read that no online agent had room (null: room, or an event here may have opened some since). */
  private fullSince: number | null = null;
  /** The pass that new conversations wait for while the house is full (see FULL_HOUSE_RECHECK_MS). */
  private recheck: NodeJS.Timeout | null = null;
  /** Counts for benchmarks and logs. */
  readonly stats = { passes: 0, skippedFull: 0, deferredFull: 0, batches: 0, assigned: 0, offered: 0, skippedLocked: 0, refused: 0, applyMs: 0, lastPassMs: 0, lastDecideMs: 0 };

  constructor(
    private readonly tx: Transactions,
    private readonly repo: RoutingRepository,
    private readonly assignments: AssignmentService,
    private readonly events: DomainEvents,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Any change that may free capacity or need an agent asks for a pass; passes coalesce.
    this.unsubscribe = this.events.subscribe((e) => {
      if (e.type === 'conversation.created') {
        this.routingStateChanged(e.payload);
        this.newConversation();
      } else if (e.type === 'agent.presence' || (e.type === 'conversation.updated' && this.routingStateChanged(e.payload))) {
        // May have opened room: the next pass reads the agents again.
        this.fullSince = null;
        this.requestPass();
      }
    });
    // A slow tick covers what no event announces: overflow thresholds, business hours opening, other replicas' changes.
    this.ticker = setInterval(() => {
      this.requestPass(true);
      this.assignments.sweepExpiredOffers().catch((err) => this.logger.warn({ err }, 'offer sweep failed'));
      this.assignments.reclaimUnanswered().catch((err) => this.logger.warn({ err }, 'reply-timeout sweep failed'));
    }, 5000);
    this.ticker.unref();
    this.requestPass(true);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.ticker) clearInterval(this.ticker);
    if (this.debounce) clearImmediate(this.debounce);
    if (this.recheck) clearTimeout(this.recheck);
    await this.running?.catch(() => undefined);
  }

  /**
   * Schedules a pass. Requests of one burst (the events of one commit, a batch ingest) fold into
   * one pass on the next turn of the event loop; while one runs, further requests fold into a
   * single follow-up. No fixed delay: the first new conversation after a quiet spell is routed at
   * once (a 10 ms debounce was a third of the median time to `conversation.assigned`), and not by
   * a timer: `setTimeout(fn, 0)` waits at least 1 ms and then for the loop's timers phase, where
   * `setImmediate` runs right after the current I/O callbacks (the commit's events are all
   * published by then).
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
    this.debounce = setImmediate(() => {
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
    });
  }

  /** A new conversation asks for a pass, or, while the house is full, for the one FULL_HOUSE_RECHECK_MS after the read that found it full. */
  private newConversation(): void {
    if (this.fullSince === null) return this.requestPass();
    this.stats.deferredFull++;
    if (this.recheck || this.stopped) return;
    this.recheck = setTimeout(
      () => {
        this.recheck = null;
        this.requestPass();
      },
      Math.max(0, this.fullSince + FULL_HOUSE_RECHECK_MS - Date.now()),
    );
    this.recheck.unref();
  }

  /** Resolves when no pass is running or pending, a full house's recheck included (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.running || this.debounce || this.recheck) await (this.running ?? new Promise((r) => setTimeout(r, 15)));
  }

  private async pass(withWaitReasons: boolean): Promise<void> {
    const started = performance.now();
    const em = this.tx.manager;
    // A pass after one that left nobody waiting (agents with room: each new conversation is
    // assigned as it comes) reads the state and the queue in one round trip. After a pass that left
    // conversations waiting, the house is probably full: the state alone first.
    const readAt = Date.now();
    const together = this.expectRoom ? await this.repo.routingStateAndQueue(em, QUEUE_LIMIT) : null;
    const { agents, teams } = together ?? (await this.repo.routingState(em));
    const room = anySpareCapacity(agents, teams);
    // An event that may have opened room while the agents were read asked for another pass, which reads them again.
    this.fullSince = room ? null : readAt;
    // Nobody online with room (a burst while every agent is full, a night without agents): nothing to
    // assign or offer, so the queue (thousands of rows in a burst) is not read. The periodic pass
    // (withWaitReasons) always reads it, for overflow thresholds and the reasons conversations show.
    if (!withWaitReasons && !room) {
      this.stats.skippedFull++;
      this.expectRoom = false;
      return;
    }
    const { queue, reasons } = together ?? (await this.repo.queue(em, QUEUE_LIMIT, teams));
    this.expectRoom = true;
    if (queue.length === 0) return;
    const decideStart = performance.now();
    const out = decide({ now: Date.now(), queue, agents, teams, defaultTeam: BUILT_IN_DEFAULT_TEAM as TeamSettings });
    this.stats.lastDecideMs = performance.now() - decideStart;
    for (const w of out.warnings ?? []) this.logger.warn({ teamId: w.teamId, code: w.code }, w.message);
    const picks: Array<Extract<RoutingDecision, { type: 'assign' | 'offer' }>> = [];
    const overflows: Array<Extract<RoutingDecision, { type: 'overflow' }>> = [];
    const waits: Array<Extract<RoutingDecision, { type: 'wait' }>> = [];
    for (const d of out.decisions) {
      if (d.type === 'assign' || d.type === 'offer') picks.push(d);
      else if (d.type === 'overflow') overflows.push(d);
      else {
        this.expectRoom = false;
        // Most of a long queue just keeps waiting for the same reason: nothing to write.
        if (withWaitReasons && reasons.get(d.conversationId) !== d.reason.text) waits.push(d);
      }
    }
    // Assignments and offers in batches, each one transaction (see AssignmentService.applyAutomaticBatch);
    // a pass's only assignment (the usual pass after a new conversation) in one round trip, told from what the pass read.
    if (picks.length === 1 && picks[0].type === 'assign') await this.applyBatch(picks, { queue, agents, teams });
    else for (let i = 0; i < picks.length && !this.stopped; i += BATCH_SIZE) await this.applyBatch(picks.slice(i, i + BATCH_SIZE));
    for (const d of overflows) {
      if (this.stopped) return;
      await this.assignments.overflow(d);
      this.dirty = true;
    }
    if (waits.length && !this.stopped) await this.assignments.recordWaits(waits);
    if (Object.keys(out.roundRobinLastAgentId).length) await this.repo.saveRoundRobin(em, out.roundRobinLastAgentId);
    this.stats.passes++;
    this.stats.lastPassMs = performance.now() - started;
  }

  private async applyBatch(batch: Array<Extract<RoutingDecision, { type: 'assign' | 'offer' }>>, seen?: PassView): Promise<void> {
    const started = performance.now();
    try {
      const r = await this.assignments.applyAutomaticBatch(batch, seen);
      this.stats.assigned += r.assigned;
      this.stats.offered += r.offered;
      this.stats.skippedLocked += r.skipped;
      this.stats.refused += r.refused;
      this.stats.batches++;
      // Capacity taken or an agent gone since the state was read: the next pass sees the truth.
      if (r.refused) this.dirty = true;
    } catch (err) {
      // A deadlock with another writer (rolled back whole): expected under concurrency; the next pass retries.
      if (err instanceof DomainError || isRetryableConflict(err)) this.dirty = true;
      else throw err;
    } finally {
      this.stats.applyMs += performance.now() - started;
    }
  }

  /**
   * A conversation update matters to routing when what routing looks at changed (status,
   * assignee, offer, team, priority) in a way that may free capacity or ask for an agent; a
   * customer's second message in a waiting or an assigned conversation changes none of it, and
   * neither does an assignment taking a conversation off the queue (it only uses capacity: the
   * pass that made it, or the next event, routes the rest). Unknown conversations count as changed.
   */
  private readonly lastRoutingState = new Map<string, RoutingState>();
  private routingStateChanged(c: ConversationSummary): boolean {
    const now: RoutingState = { status: c.status, assigneeId: c.assigneeId, teamId: c.teamId, priority: c.priority, reason: c.assignmentReason };
    const before = this.lastRoutingState.get(c.id);
    if (this.lastRoutingState.size > 100_000) this.lastRoutingState.clear();
    this.lastRoutingState.set(c.id, now);
    if (!before) return true;
    const same = before.status === now.status && before.teamId === now.teamId && before.priority === now.priority;
    if (same && before.assigneeId === now.assigneeId && before.reason === now.reason) return false;
    const tookFromQueue = same && before.assigneeId === null && now.assigneeId !== null;
    return !tookFromQueue;
  }
}

interface RoutingState {
  status: string;
  assigneeId: string | null;
  teamId: string | null;
  priority: number;
  reason: string | null;
}
