import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  APP_CONFIG,
  AppConfig,
  ConversationHookEvent,
  ConversationHooks,
  ConversationRepository,
  ConversationService,
  HookContext,
  JobQueue,
  Transactions,
  TxContext,
} from '@inbox/core';
import { SlaRecord, evaluateSla, matchSlaPolicy, retargetSla, slaOnCustomerMessage, slaOnReply, slaOnResolved, slaPause, slaResume, startSla } from '@inbox/routing';
import type { SlaAlert } from '@inbox/realtime-contract';
import { SlaConversationRow, SlaRepository } from './sla.repository';

export const SLA_CHECK_QUEUE = 'sla-check';

/** Whether the event may apply, change or remove a policy: creation, or a team, priority or label change. */
function policyMayChange(e: ConversationHookEvent): boolean {
  return e.type === 'conversation.created' || (e.type === 'conversation.updated' && e.changed.some((c) => c !== 'status'));
}

/** Conversations whose clocks this SLA service stored in a transaction (keyed by its manager: one per transaction). */
const clockedIn = new WeakMap<object, Set<string>>();

const KIND_TEXT = { first_response: 'first response', next_response: 'next response', resolution: 'resolution' } as const;

/**
 * Keeps each conversation's SLA clocks: applies the first matching policy when a conversation is
 * created, re-evaluates it when team, priority or labels change, meets response clocks on agent
 * replies, restarts next response on customer messages, pauses while pending or snoozed. Warnings
 * and breaches fire from durable jobs (one per next due instant, any replica, after restarts),
 * once each (a unique row per firing), with an activity line and `sla.*` events.
 */
@Injectable()
export class SlaService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SlaService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly repo: SlaRepository,
    private readonly hooks: ConversationHooks,
    private readonly jobs: JobQueue,
    private readonly conversations: ConversationRepository,
    private readonly conversationService: ConversationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // After automation rules (order 10): the clocks follow what rules changed.
    // Skipped without a savepoint: a new conversation when no SLA policy is defined (no clock to
    // start), and an event that cannot apply a policy (a message, a status change, a resolve) on a
    // conversation its caller saw without clocks (`slaRecord`), unless this transaction started
    // them since (only a policy applied on creation or on a team, priority or label change does).
    this.hooks.register(
      'sla',
      20,
      (ctx, e) => this.onConversationEvent(ctx, e),
      undefined,
      async (tx, e) => {
        if (e.type === 'sla.breached' || e.type === 'csat.received') return false;
        if ('slaRecord' in e && e.slaRecord === false && !policyMayChange(e)) return clockedIn.get(tx.em)?.has(e.conversationId) ?? false;
        return e.type !== 'conversation.created' || (await this.repo.policies(tx.em)).length > 0;
      },
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.define({ name: SLA_CHECK_QUEUE, retryLimit: 5, retryDelay: 1, retryBackoff: true, expireInSeconds: 60, notifyOnCommit: false });
    if (this.config.runWorkers) await this.jobs.work<{ conversationId: string }>(SLA_CHECK_QUEUE, (job) => this.check(job.data.conversationId), { concurrency: 2 });
  }

  /** A timer fired (or the sweep found it overdue): fire what is due and schedule the next one. */
  async check(conversationId: string): Promise<void> {
    await this.tx.run(async (tx) => {
      const row = await this.repo.lockConversation(tx.em, conversationId);
      if (!row?.sla) return;
      const changed = await this.apply(tx, row, row.sla, Date.now(), (e) => this.hooks.run(tx, e, 'system'));
      if (changed) await this.emitUpdated(tx, conversationId);
    });
  }

  async sweep(): Promise<void> {
    for (const id of await this.repo.overdueChecks(this.tx.manager, 5)) {
      await this.check(id).catch((err) => this.logger.warn({ err, conversationId: id }, 'SLA check failed'));
    }
  }

  private async onConversationEvent(ctx: HookContext, e: ConversationHookEvent): Promise<void> {
    // A breach is the clocks' own report; a rating changes no clock.
    if (e.type === 'sla.breached' || e.type === 'csat.received') return;
    const { tx } = ctx;
    const row = await this.repo.lockConversation(tx.em, e.conversationId);
    if (!row) return;
    const now = Date.now();
    let rec: SlaRecord | null = row.sla;
    if (policyMayChange(e)) {
      const policy = matchSlaPolicy(await this.repo.policies(tx.em), row);
      if (policy && !rec) {
        rec = startSla(policy, row.createdAt, row.businessHours);
        await this.activity(tx, row, `SLA policy ${policy.name} applies`, 'sla_applied', { policy: policy.name });
      } else if (policy && rec && policy.id !== rec.policyId) {
        const from = rec.policyName;
        rec = retargetSla(rec, policy, row.createdAt, row.businessHours);
        await this.activity(tx, row, `SLA policy changed from ${from} to ${policy.name}`, 'sla_changed', { from, to: policy.name });
      } else if (!policy && rec) {
        await this.activity(tx, row, `SLA policy ${rec.policyName} no longer applies`, 'sla_removed', { policy: rec.policyName });
        await this.repo.save(tx.em, row.id, { record: null, state: null, dueAt: null, nextCheckAt: null });
        return;
      }
    }
    if (!rec) return;
    if (e.type === 'message.created') {
      if (e.from === 'customer') rec = slaOnCustomerMessage(rec, now, row.businessHours);
      else if (e.from === 'agent') rec = slaOnReply(rec, now);
    }
    // The clocks follow the status: stopped while waiting on the customer, settled on resolve.
    if (row.status === 'resolved') rec = slaOnResolved(rec, now);
    else if (row.status === 'pending' || row.status === 'snoozed') rec = slaPause(rec, now);
    else rec = slaResume(rec, now, row.businessHours);
    await this.apply(tx, row, rec, now, (next) => ctx.run(next, 'system'));
  }

  /** Fires what is due, stores the clocks, schedules the next check. Returns whether the visible SLA changed. */
  private async apply(tx: TxContext, row: SlaConversationRow, rec: SlaRecord, now: number, runHook: (e: ConversationHookEvent) => Promise<unknown>): Promise<boolean> {
    let clocked = clockedIn.get(tx.em);
    if (!clocked) clockedIn.set(tx.em, (clocked = new Set()));
    clocked.add(row.id);
    const ev = evaluateSla(rec, now);
    const breaches: ConversationHookEvent[] = [];
    for (const f of ev.fire) {
      const clock = ev.record.clocks.find((c) => c.kind === f.kind && c.dueAt === f.dueAt);
      const first = await this.repo.recordFiring(tx.em, {
        conversationId: row.id,
        policyId: rec.policyId,
        kind: f.kind,
        level: f.level,
        dueAt: f.dueAt,
        startedAt: clock?.startedAt ?? row.createdAt,
        assigneeId: row.assigneeId,
        teamId: row.teamId,
        channel: row.channel,
      });
      if (!first) continue;
      const due = new Date(f.dueAt).toISOString();
      const text =
        f.level === 'breached' ? `SLA breached: ${KIND_TEXT[f.kind]} was due at ${due} (${rec.policyName})` : `SLA warning: ${KIND_TEXT[f.kind]} due at ${due} (${rec.policyName})`;
      await this.activity(tx, row, text, f.level === 'breached' ? 'sla_breached' : 'sla_warning', { policy: rec.policyName, kind: f.kind, dueAt: due });
      const alert: SlaAlert = {
        conversationId: row.id,
        inboxId: row.inboxId,
        teamId: row.teamId,
        assigneeId: row.assigneeId,
        policyId: rec.policyId,
        policyName: rec.policyName,
        kind: f.kind,
        level: f.level,
        dueAt: due,
      };
      tx.emit({ type: f.level === 'breached' ? 'sla.breached' : 'sla.warning', conversationId: row.id, payload: alert });
      if (f.level === 'breached') breaches.push({ type: 'sla.breached', conversationId: row.id, kind: f.kind, dueAt: f.dueAt });
    }
    await this.repo.save(tx.em, row.id, { record: ev.record, state: ev.state, dueAt: ev.dueAt, nextCheckAt: ev.nextCheckAt });
    // One job per new due instant; an unchanged instant already has its job (the sweep covers lost ones).
    if (ev.nextCheckAt !== null && ev.nextCheckAt !== row.slaNextCheckAt) {
      await this.jobs.sendInTx(tx.em, SLA_CHECK_QUEUE, { conversationId: row.id }, { startAfter: new Date(ev.nextCheckAt) });
    }
    // Rules on sla.breached run after the clocks are stored, so what they change re-reads them.
    for (const b of breaches) await runHook(b);
    return ev.fire.length > 0 || ev.state !== row.slaState || ev.dueAt !== row.slaDueAt;
  }

  private async activity(tx: TxContext, row: SlaConversationRow, text: string, code: string, params: Record<string, unknown>): Promise<void> {
    await this.conversationService.addActivity(tx, row.id, row.inboxId, null, text, { activity: { code, params } });
  }

  private async emitUpdated(tx: TxContext, id: string): Promise<void> {
    const summary = await this.conversations.summary(tx.em, id);
    if (summary) tx.emit({ type: 'conversation.updated', conversationId: id, payload: summary });
  }
}
