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
  MessageRepository,
  OutboundService,
  TxContext,
  outboundDispatcher,
} from '@inbox/core';
import { isOpen } from '@inbox/business-hours';
import type { Agent } from 'undici';
import { AssignmentService } from '../routing/assignment.service';
import { AutomationRuleRepository, RuleView } from './automation-rule.repository';
import { RuleAction, RuleEvent, RuleFacts, fillTemplate, ruleMatches } from './rule-conditions.util';

export const AUTOMATION_WEBHOOK_QUEUE = 'automation-webhooks';
/** Its name until 2026-12, before its jobs were keyed by conversation. */
export const AUTOMATION_WEBHOOK_FORMER_QUEUE = 'automation-webhook';

type Facts = NonNullable<Awaited<ReturnType<AutomationRuleRepository['facts']>>>;

/**
 * Runs automation rules inside the transaction of the event that triggered them: a rule runs
 * once per event (a unique run row per rule and event key), its changes are activity lines
 * naming it, and they never trigger rules again (they are reported to the other hooks with
 * origin `rule`, which this hook ignores). Each rule runs under the hook savepoint of its own:
 * one that fails is rolled back and recorded, and the customer's message still commits.
 * Webhooks leave through a durable job after commit; their failure never reaches the message.
 */
@Injectable()
export class AutomationService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AutomationService.name);
  private readonly dispatcher: Agent;

  constructor(
    private readonly repo: AutomationRuleRepository,
    private readonly hooks: ConversationHooks,
    private readonly assignments: AssignmentService,
    private readonly conversations: ConversationRepository,
    private readonly conversationService: ConversationService,
    private readonly messages: MessageRepository,
    private readonly outbound: OutboundService,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.dispatcher = outboundDispatcher({ allowPrivate: config.outboundAllowPrivate }, { connectTimeoutMs: config.webhookTimeoutMs });
    // Before the SLA clocks (order 20), which then follow what rules changed.
    // Skipped without a savepoint when no enabled rule listens to the event (rules read once per transaction).
    this.hooks.register(
      'automation',
      10,
      (ctx, e) => this.onEvent(ctx, e),
      undefined,
      async (tx, e, origin) => origin !== 'rule' && !(e.type === 'message.created' && e.from !== 'customer') && (await this.repo.enabledFor(tx.em, e.type as RuleEvent)).length > 0,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    // Keyed by conversation: a conversation's snapshots reach the URL one at a time, in the order its rules ran
    // (a receiver keeping the latest state would otherwise keep an older one that arrived last).
    await this.jobs.define({ name: AUTOMATION_WEBHOOK_QUEUE, retryLimit: 3, retryDelay: 2, retryBackoff: true, expireInSeconds: 60, onePerKey: true });
    if (this.config.runWorkers)
      await this.jobs.work<{ url: string; body: unknown }>(AUTOMATION_WEBHOOK_QUEUE, (job) => this.postWebhook(job.data.url, job.data.body), {
        concurrency: 2,
        replaces: AUTOMATION_WEBHOOK_FORMER_QUEUE,
      });
  }

  private async onEvent(ctx: HookContext, e: ConversationHookEvent): Promise<void> {
    if (ctx.origin === 'rule') return;
    // Rules on messages read what customers write, not the team's own replies.
    if (e.type === 'message.created' && e.from !== 'customer') return;
    const rules = await this.repo.enabledFor(ctx.tx.em, e.type as RuleEvent);
    if (!rules.length) return;
    const key = await this.eventKey(ctx.tx, e);
    for (const rule of rules) {
      const f = await this.repo.facts(ctx.tx.em, e.conversationId, 'messageId' in e ? e.messageId : null);
      if (!f) return;
      if (!ruleMatches(rule.conditions, this.toFacts(f, e))) continue;
      if (!(await this.repo.claimRun(ctx.tx.em, rule.id, key, e.conversationId))) continue;
      await ctx.tx.em.query('SAVEPOINT automation_rule');
      const events: Array<Parameters<TxContext['emit']>[0]> = [];
      const ruleTx: TxContext = { ...ctx.tx, emit: (ev) => events.push(ev) };
      try {
        const changed = new Set<'status' | 'priority' | 'labels' | 'team'>();
        for (const action of rule.actions) await this.apply(ruleTx, rule, action, e.conversationId, f, changed);
        await ctx.tx.em.query('RELEASE SAVEPOINT automation_rule');
        for (const ev of events) ctx.tx.emit(ev);
        // The rule's own changes: the SLA clocks and the snooze timer follow them; rules do not.
        if (changed.size) await ctx.run({ type: 'conversation.updated', conversationId: e.conversationId, changed: [...changed] }, 'rule');
        if (changed.has('status') && (await this.conversations.summary(ctx.tx.em, e.conversationId))?.status === 'resolved')
          await ctx.run({ type: 'conversation.resolved', conversationId: e.conversationId }, 'rule');
        const summary = await this.conversations.summary(ctx.tx.em, e.conversationId);
        if (summary && changed.size) ctx.tx.emit({ type: 'conversation.updated', conversationId: e.conversationId, payload: summary });
      } catch (err) {
        await ctx.tx.em.query('ROLLBACK TO SAVEPOINT automation_rule');
        await this.repo.markFailed(ctx.tx.em, rule.id, key, err instanceof Error ? err.message : String(err));
        this.logger.warn({ err, ruleId: rule.id, conversationId: e.conversationId }, 'automation rule failed; its changes were rolled back');
      }
    }
  }

  private async eventKey(tx: TxContext, e: ConversationHookEvent): Promise<string> {
    switch (e.type) {
      case 'conversation.created':
        return `created:${e.conversationId}`;
      case 'message.created':
        return `message:${e.messageId}`;
      case 'sla.breached':
        return `sla:${e.conversationId}:${e.kind}:${e.dueAt}`;
      default:
        // No id of its own: one transaction is one change.
        return `${e.type}:${e.conversationId}:${await this.repo.transactionId(tx.em)}`;
    }
  }

  private toFacts(f: Facts, e: ConversationHookEvent): RuleFacts {
    let open = true;
    try {
      open = isOpen(f.businessHours ?? null, Date.now());
    } catch {
      open = true; // a broken schedule counts as open, as routing does
    }
    return {
      channel: f.channel,
      inboxId: f.inboxId,
      teamId: f.teamId,
      status: f.status,
      priority: f.priority,
      labels: f.labels,
      contactEmail: f.contactEmail,
      messageText: e.type === 'csat.received' ? e.comment : f.messageText,
      language: f.language,
      businessHoursOpen: open,
      rating: e.type === 'csat.received' ? e.rating : null,
    };
  }

  private async apply(tx: TxContext, rule: RuleView, a: RuleAction, conversationId: string, f: Facts, changed: Set<'status' | 'priority' | 'labels' | 'team'>): Promise<void> {
    const line = (text: string, params: Record<string, unknown>) =>
      this.conversationService.addActivity(tx, conversationId, f.inboxId, null, `Rule ${rule.name}: ${text}`, {
        rule: { id: rule.id, name: rule.name },
        activity: { code: `rule_${a.type}`, params: { rule: rule.name, ...params } },
      });
    const current = (await this.conversations.summary(tx.em, conversationId))!;
    switch (a.type) {
      case 'set_team': {
        if (await this.assignments.moveToTeamInTx(tx, conversationId, a.teamId, rule.name)) {
          const team = await this.repo.teamName(tx.em, a.teamId);
          await line(`moved to team ${team}`, { team });
          changed.add('team');
        }
        return;
      }
      case 'add_label':
      case 'remove_label': {
        const has = current.labels.includes(a.label);
        if ((a.type === 'add_label') === has) return;
        const labels = a.type === 'add_label' ? [...current.labels, a.label].sort() : current.labels.filter((l) => l !== a.label);
        await this.conversations.update(tx.em, conversationId, { labels });
        await line(`${a.type === 'add_label' ? 'added' : 'removed'} label ${a.label}`, { label: a.label });
        changed.add('labels');
        return;
      }
      case 'set_priority':
        if (current.priority === a.priority) return;
        await this.conversations.update(tx.em, conversationId, { priority: a.priority });
        await line(`priority ${current.priority} → ${a.priority}`, { from: current.priority, to: a.priority });
        changed.add('priority');
        return;
      case 'assign_agent':
        if (await this.assignments.assignByRuleInTx(tx, conversationId, a.agentId, rule.name)) await line('assigned an agent', { agentId: a.agentId });
        return;
      case 'send_canned_response': {
        const text = await this.repo.cannedText(tx.em, a.cannedResponseId);
        if (text === null) throw new Error(`canned response ${a.cannedResponseId} no longer exists`);
        const filled = fillTemplate(text, { 'contact.name': f.contactName, 'contact.email': f.contactEmail, 'conversation.subject': f.subject, 'conversation.id': conversationId });
        const id = (await this.messages.insert(tx.em, {
          conversationId,
          inboxId: f.inboxId,
          direction: 'outbound',
          kind: 'message',
          authorType: 'system',
          authorId: null,
          text: filled,
          html: null,
          externalId: null,
          status: 'queued',
          metadata: { automatic: true, rule: { id: rule.id, name: rule.name } },
        }))!;
        await this.outbound.enqueue(tx, id, conversationId);
        tx.emit({ type: 'message.created', conversationId, payload: (await this.messages.summary(tx.em, id))! });
        await line('sent a canned response', { cannedResponseId: a.cannedResponseId });
        return;
      }
      case 'add_note': {
        const id = (await this.messages.insert(tx.em, {
          conversationId,
          inboxId: f.inboxId,
          direction: 'outbound',
          kind: 'note',
          authorType: 'system',
          authorId: null,
          text: a.text,
          html: null,
          externalId: null,
          status: null,
          metadata: { rule: { id: rule.id, name: rule.name } },
        }))!;
        tx.emit({ type: 'message.created', conversationId, payload: (await this.messages.summary(tx.em, id))! });
        await line('added a private note', {});
        return;
      }
      case 'send_webhook': {
        const body = { event: 'automation.rule', rule: { id: rule.id, name: rule.name }, conversation: current, timestamp: Math.floor(Date.now() / 1000) };
        await this.jobs.sendInTx(tx.em, AUTOMATION_WEBHOOK_QUEUE, { url: a.url, body }, { singletonKey: conversationId });
        await line('sent a webhook', {});
        return;
      }
      case 'resolve':
        if (current.status === 'resolved') return;
        await this.conversations.update(tx.em, conversationId, { status: 'resolved', resolvedAt: new Date(), snoozedUntil: null, waitingSince: null });
        await line('resolved the conversation', {});
        changed.add('status');
        return;
      case 'snooze': {
        if (current.status === 'resolved') return;
        const until = new Date(Date.now() + a.seconds * 1000);
        await this.conversations.update(tx.em, conversationId, { status: 'snoozed', snoozedUntil: until });
        await line(`snoozed until ${until.toISOString()}`, { until: until.toISOString() });
        changed.add('status');
        return;
      }
    }
  }

  /** Outside any transaction: a failing endpoint is retried by the job, and never touches the conversation. */
  private async postWebhook(url: string, body: unknown): Promise<void> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-inbox-event': 'automation.rule' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
      // @ts-expect-error undici's dispatcher option is not in the DOM fetch types
      dispatcher: this.dispatcher,
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }
}
