import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import type { PendingEvent } from '../events/domain-events';
import { savepointContext, type TxContext } from '../db/transactions';

/**
 * What happened to a conversation, told to hooks inside the transaction that did it.
 * `slaRecord` (where present): whether the conversation carried SLA clocks when the caller read
 * it under its row lock. False lets the SLA hook skip a conversation without clocks on an event
 * that cannot apply a policy, unless a hook of this transaction started them since. Unset:
 * unknown, the hook reads the row. `inboxId` on a resolve lets the survey hook check the inbox's
 * survey settings before its savepoint.
 */
export type ConversationHookEvent =
  | { type: 'conversation.created'; conversationId: string; messageId: string }
  | { type: 'message.created'; conversationId: string; messageId: string; from: 'customer' | 'agent' | 'bot'; slaRecord?: boolean }
  | {
      type: 'conversation.updated';
      conversationId: string;
      changed: Array<'status' | 'priority' | 'labels' | 'team'>;
      previousStatus?: string;
      /** The new status, when the status changed and the caller knows it. */
      status?: string;
      slaRecord?: boolean;
    }
  | { type: 'conversation.resolved'; conversationId: string; slaRecord?: boolean; inboxId?: string }
  | { type: 'sla.breached'; conversationId: string; kind: string; dueAt: number }
  /** A customer's satisfaction rating (1-5; thumbs are 1 or 5), new or changed. */
  | { type: 'csat.received'; conversationId: string; rating: number; comment: string | null; updated: boolean };

/**
 * Who caused it. `rule`: an automation rule's own change, which must not trigger rules again
 * (no loops); SLA bookkeeping still follows it.
 */
export type HookOrigin = 'customer' | 'user' | 'system' | 'rule';

export interface HookContext {
  tx: TxContext;
  origin: HookOrigin;
  actor: Principal | null;
  /** Lets a hook report further events (an SLA breach) to the hooks after it, in the same transaction. */
  run(e: ConversationHookEvent, origin?: HookOrigin): Promise<boolean>;
}

export type ConversationHook = (ctx: HookContext, e: ConversationHookEvent) => Promise<void>;

/**
 * Whether a hook has anything to do with this event; reads only (it runs outside the hook's savepoint).
 * For a customer's `conversation.created`, and `message.created` with `slaRecord` false, the answer
 * must depend on the settings alone (what `settingsPerVersion` caches: rules, policies), not on the
 * conversation: ingest remembers that no hook was wanted under a settings version and stores the
 * next such messages in one statement without asking again (IngestService.ingestInOneRoundTrip).
 */
export type HookWanted = (tx: TxContext, e: ConversationHookEvent, origin: HookOrigin) => boolean | Promise<boolean>;

let savepoints = 0;

/**
 * In-transaction reactions to conversation changes (SLA clocks, automation rules), registered
 * by the modules that own them so core depends on neither. Each hook runs under a savepoint: a
 * hook that fails is rolled back alone (its events dropped) and logged, and the change that
 * triggered it, a customer's message included, still commits.
 */
@Injectable()
export class ConversationHooks {
  private readonly logger = new Logger(ConversationHooks.name);
  private readonly hooks: Array<{ order: number; name: string; fn: ConversationHook; on: ReadonlySet<ConversationHookEvent['type']> | null; wanted: HookWanted | null }> = [];

  /**
   * Lower `order` runs first: rules (which may change team or priority) before SLA bookkeeping.
   * `on`: the only event types the hook reacts to; the others skip it without a savepoint (two
   * round trips per hook and event on every ingested message otherwise).
   * `wanted`: a read-only check before the savepoint (no rule for this event, no SLA policy at
   * all): false skips the hook the same way.
   */
  register(name: string, order: number, fn: ConversationHook, on?: Array<ConversationHookEvent['type']>, wanted?: HookWanted): void {
    this.hooks.push({ order, name, fn, on: on ? new Set(on) : null, wanted: wanted ?? null });
    this.hooks.sort((a, b) => a.order - b.order);
  }

  /** Returns whether any hook ran (false: every hook skipped the event, nothing was written). */
  async run(tx: TxContext, e: ConversationHookEvent, origin: HookOrigin, actor: Principal | null = null, depth = 0): Promise<boolean> {
    if (depth > 3) return false;
    let ran = false;
    for (const hook of this.hooks) {
      if (hook.on && !hook.on.has(e.type)) continue;
      if (hook.wanted && !(await hook.wanted(tx, e, origin))) continue;
      ran = true;
      const sp = `hook_${++savepoints}`;
      const buffered: PendingEvent[] = [];
      const hooksAfter: Array<() => unknown> = [];
      const inner = savepointContext(
        tx.em,
        (ev) => buffered.push(ev),
        (fn) => hooksAfter.push(fn),
      );
      await tx.em.query(`SAVEPOINT ${sp}`);
      try {
        await hook.fn({ tx: inner, origin, actor, run: (next, o = origin) => this.run(inner, next, o, actor, depth + 1) }, e);
        await tx.em.query(`RELEASE SAVEPOINT ${sp}`);
        for (const ev of buffered) tx.emit(ev);
        for (const fn of hooksAfter) tx.afterCommit(fn);
      } catch (err) {
        await tx.em.query(`ROLLBACK TO SAVEPOINT ${sp}`);
        this.logger.error({ err, hook: hook.name, event: e.type, conversationId: e.conversationId }, 'conversation hook failed; its changes were rolled back');
      }
    }
    return ran;
  }
}
