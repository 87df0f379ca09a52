import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { createHash } from 'node:crypto';
import { InboundMessage, IngestResult } from '../channels/channel-adapter';
import type { ChannelKind } from '../entities/enums';
import { GENERIC_PLANS, Transactions, TxContext, savepointContext } from '../db/transactions';
import { isRetryableConflict, pgErrorCode } from '../db/pg-errors';
import { useSettingsVersion } from '../db/sql';
import { ContactRepository } from '../repositories/contact.repository';
import { ConversationRepository } from '../repositories/conversation.repository';
import { MessageRepository } from '../repositories/message.repository';
import {
  CommittedRow,
  InboundRepository,
  InboundStored,
  InboundWrite,
  STORE_AND_COMMIT,
  SeenMessage,
  committedMessage,
  storeAndCommitParams,
} from '../repositories/inbound.repository';
import { ConversationHooks } from '../conversations/conversation-hooks';
import { CsatReplyService } from '../csat/csat-reply.service';
import { InboxRepository } from '../repositories/inbox.repository';
import { InboxTokenCache } from '../auth/inbox-token-cache';
import type { PendingEvent } from '../events/domain-events';
import { DomainError, notFound } from '../errors/domain-error';
import { sanitizeMessageHtml } from '../util/sanitize';
import { htmlToText } from '../util/text';

/** SQLSTATE of `ingest_refuse` (migration IngestOneRoundTrip): the one-round-trip ingest cannot store this message alone. */
const INGEST_REFUSED = 'IR001';

/** Raised inside the transaction to roll back everything when another ingest stored the message first. */
class AlreadyIngested extends Error {}

/** The database refused a batch's one-statement write: some item's data, but which one it cannot tell. */
class OneStatementRefused extends Error {
  constructor(readonly cause: unknown) {
    super('the one-statement batch write was refused');
  }
}

/**
 * The one ingest path of every channel: identity, conversation, message and outbox
 * row in ONE transaction; events published after commit. Idempotent on
 * (inbox, external id) and safe under concurrent delivery of the same payloads.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  /**
   * The settings version under which this process last saw a customer's message into a thread
   * without SLA clocks run no hook (`message`), and a new conversation's first message (`created`):
   * whether a hook is wanted for them depends only on the settings (automation rules, SLA
   * policies), so under the same version the next such message needs nothing but its rows, and
   * goes in one round trip (`ingestInOneRoundTrip`). Null: not seen yet, or a hook ran.
   */
  private readonly quiet: { message: string | null; created: string | null } = { message: null, created: null };

  constructor(
    private readonly tx: Transactions,
    private readonly contacts: ContactRepository,
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly hooks: ConversationHooks,
    private readonly inbound: InboundRepository,
    private readonly csatReplies: CsatReplyService,
    private readonly inboxes: InboxRepository,
    private readonly inboxTokens: InboxTokenCache,
  ) {}

  /** Ingest is idempotent, so a deadlock victim (another writer touched the same rows) simply tries again. */
  async ingest(input: InboundMessage): Promise<IngestResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ingestOnce(input);
      } catch (err) {
        if (isRetryableConflict(err) && attempt < 4) {
          this.logger.warn({ inboxId: input.inboxId, externalId: input.externalId, attempt }, 'ingest hit a deadlock; retrying');
          continue;
        }
        throw err;
      }
    }
  }

  private async ingestOnce(input: InboundMessage): Promise<IngestResult> {
    const msg = normalise(input);
    const quick = await this.ingestInOneRoundTrip(msg, input);
    if (quick) return quick;
    try {
      // The storing statement is the transaction's first (with generic plans, one message: see
      // Transactions' GENERIC) and reads the inbox and the settings version itself: no
      // precheck round trip before it. A redelivery finds its message stored: the transaction rolls
      // back what the statement upserted and the stored message answers.
      return await this.tx.run((tx) => this.store(tx, null, msg, input), GENERIC_PLANS);
    } catch (err) {
      if (!(err instanceof AlreadyIngested)) throw err;
      const winner = await this.inbound.seen(this.tx.manager, msg.inboxId, msg.externalId);
      if (!winner) throw err;
      return this.duplicate(winner, msg);
    }
  }

  /**
   * The message, its thread's rows and its two outbox events in ONE statement sent with its BEGIN
   * and COMMIT (Transactions.commitOne, InboundRepository's STORE_AND_COMMIT): one round trip where
   * the usual path takes two (the events' summaries built here from what the statement returned,
   * then sent with the COMMIT). Only for a message that needs nothing beyond its rows: none of what
   * `store` and `finish` do after the storing statement applies (no attachments, no channel rows,
   * no survey answer, no hook wanted under the settings version last seen quiet). What only the
   * database knows (a redelivery, settings changed since, SLA clocks, contact details to fill)
   * the statement refuses: nothing stays, and null sends the message the usual way.
   */
  private async ingestInOneRoundTrip(msg: InboundMessage, input: InboundMessage): Promise<IngestResult | null> {
    // Both quiet under one version: with SLA policies or rules on new conversations every new
    // thread would be refused after its statement ran (a round trip lost), so those go the usual way.
    const version = this.quiet.message;
    if (version === null || version !== this.quiet.created || msg.attachments?.length || input.onStored || this.csatReplies.mayAnswer({ text: msg.text, hasAttachments: false }))
      return null;
    const w = { ...inboundWrite({ teamId: null }, msg), tokenHash: input.inboxTokenHash ?? null };
    let rows: CommittedRow[];
    try {
      rows = await this.tx.commitOne<CommittedRow>(STORE_AND_COMMIT, storeAndCommitParams(w, version), GENERIC_PLANS);
    } catch (err) {
      if (pgErrorCode(err) === INGEST_REFUSED) return null;
      throw err;
    }
    const done = committedMessage(rows[0]);
    if (!done) return null;
    const { conversationId, conversationCreated, messageId, contactId, events } = done;
    // Published as the outbox holds them (the payloads PostgreSQL wrote), as a replay would read them.
    this.tx.publish([
      { type: conversationCreated ? 'conversation.created' : 'conversation.updated', conversationId, ...events[0] },
      { type: 'message.created', conversationId, ...events[1] },
    ]);
    return { conversationId, messageId, contactId, created: true, conversationCreated };
  }

  /**
   * Many messages of one inbox in ONE transaction: a bad item is reported in its place and the
   * others commit together, with their outbox rows (see runBatch for how a bad item is taken out).
   * Per item the same steps, hooks and idempotency as `ingest`. Items are written in a canonical
   * order (sender, thread, external id) so two concurrent batches take their row locks in the
   * same order; a deadlock all the same (a single ingest in between) runs the whole batch again.
   */
  async ingestBatch(inboxId: string, inputs: InboundMessage[]): Promise<BatchIngestOutcome[]> {
    if (inputs.some((m) => m.inboxId !== inboxId || m.inboxTokenHash !== inputs[0].inboxTokenHash)) throw new Error('a batch holds messages of one inbox and token');
    if (!inputs.length) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ingestBatchOnce(inboxId, inputs);
      } catch (err) {
        if (isRetryableConflict(err) && attempt < 4) {
          this.logger.warn({ inboxId, size: inputs.length, attempt }, 'batch ingest hit a deadlock; retrying');
          continue;
        }
        throw err;
      }
    }
  }

  private async ingestBatchOnce(inboxId: string, inputs: InboundMessage[]): Promise<BatchIngestOutcome[]> {
    const outcomes: BatchIngestOutcome[] = new Array(inputs.length);
    const msgs: Array<InboundMessage | null> = inputs.map((input, i) => {
      try {
        return normalise(input);
      } catch (err) {
        outcomes[i] = { error: itemError(err) ?? new DomainError('VALIDATION_FAILED', 'message could not be read') };
        return null;
      }
    });
    const tokenHash = inputs[0].inboxTokenHash ?? null;
    const { inbox, seen } = await this.inbound.precheck(
      this.tx.manager,
      inboxId,
      msgs.flatMap((m) => (m ? [m.externalId] : [])),
      tokenHash,
    );
    if (!inbox) throw tokenHash ? this.tokenRefused(tokenHash) : notFound('inbox', inboxId);
    let todo: number[] = [];
    // The same external id twice in one batch: the later ones answer as redeliveries of the first.
    const firstOf = new Map<string, number>();
    const repeats: Array<[number, number]> = [];
    msgs.forEach((m, i) => {
      if (!m) return;
      const already = seen.get(m.externalId);
      const first = firstOf.get(m.externalId);
      if (already) outcomes[i] = this.duplicate(already, m);
      else if (m.channel !== inbox.channel) outcomes[i] = { error: channelMismatch(inbox, m) };
      else if (first !== undefined) repeats.push([i, first]);
      else {
        firstOf.set(m.externalId, i);
        todo.push(i);
      }
    });
    const key = (m: InboundMessage) => `${m.contact.identifier}\u0000${m.threadKey ?? ''}\u0000${m.externalId}`;
    todo.sort((a, b) => (key(msgs[a]!) < key(msgs[b]!) ? -1 : key(msgs[a]!) > key(msgs[b]!) ? 1 : a - b));
    // Optimistic first: no savepoint per item (two round trips and a subtransaction each; past 64
    // subtransactions every snapshot in the database gets slower). An item that fails rolls the
    // batch back; it is answered alone and the batch runs again without it. After a few such
    // reruns the batch falls back to a savepoint per item.
    let oneStatement = true;
    for (let rerun = 0; todo.length; rerun++) {
      let failed: { index: number; err: unknown } | null;
      try {
        failed = await this.runBatch({ ...inbox, id: inboxId, channel: inbox.channel as ChannelKind }, msgs, inputs, todo, outcomes, rerun >= 3, oneStatement);
      } catch (err) {
        if (!(err instanceof OneStatementRefused)) throw err;
        this.logger.warn({ inboxId, err: err.cause }, 'a batch item was refused by the database; the batch runs again item by item');
        oneStatement = false;
        rerun--;
        continue;
      }
      if (failed === null) break;
      const { index, err } = failed;
      const msg = msgs[index]!;
      if (err instanceof AlreadyIngested) {
        // Stored meanwhile by a concurrent transaction (committed: the unique index waited for it).
        const winner = await this.inbound.seen(this.tx.manager, msg.inboxId, msg.externalId);
        if (!winner) throw err;
        outcomes[index] = this.duplicate(winner, msg);
      } else {
        const error = itemError(err);
        if (!error) throw err;
        this.logger.warn({ inboxId, externalId: msg.externalId, err }, 'batch item refused; the others go on');
        outcomes[index] = { error };
      }
      todo = todo.filter((i) => i !== index);
    }
    for (const [i, first] of repeats) {
      const o = outcomes[first];
      outcomes[i] = 'error' in o ? o : { ...o, created: false, conversationCreated: false };
    }
    return outcomes;
  }

  /**
   * One attempt at the batch in one transaction. Without savepoints the first failing item aborts
   * it: returned (not thrown) so the caller answers that item and runs the rest again. With
   * savepoints (`isolated`) each failing item is rolled back and answered alone here.
   */
  private async runBatch(
    inbox: { id: string; channel: ChannelKind; teamId: string | null; settingsVersion: string | null },
    msgs: Array<InboundMessage | null>,
    inputs: InboundMessage[],
    todo: number[],
    outcomes: BatchIngestOutcome[],
    isolated: boolean,
    oneStatement: boolean,
  ): Promise<{ index: number; err: unknown } | null> {
    class ItemFailed extends Error {
      constructor(
        readonly index: number,
        readonly err: unknown,
      ) {
        super('batch item failed');
      }
    }
    try {
      await this.tx.run(async (tx) => {
        useSettingsVersion(tx.em, inbox.settingsVersion);
        const deferred: DeferredEvents[] = [];
        const written = isolated || !oneStatement ? new Map<number, InboundStored | null>() : await this.storeTogether(tx, inbox, msgs, inputs, todo);
        for (const i of todo) {
          const msg = msgs[i]!;
          if (!isolated) {
            try {
              const stored = written.get(i);
              outcomes[i] = stored ? await this.finish(tx, msg, inputs[i], stored, deferred) : await this.store(tx, inbox, msg, inputs[i], deferred);
            } catch (err) {
              // A deadlock victim's transaction is lost whole: `ingestBatch` runs the batch again.
              if (isRetryableConflict(err)) throw err;
              throw new ItemFailed(i, err);
            }
            continue;
          }
          const events: PendingEvent[] = [];
          const after: Array<() => unknown> = [];
          const itemTx = savepointContext(
            tx.em,
            (e) => events.push(e),
            (fn) => after.push(fn),
          );
          await tx.em.query('SAVEPOINT ingest_item');
          try {
            outcomes[i] = await this.store(itemTx, inbox, msg, inputs[i], deferred);
            await tx.em.query('RELEASE SAVEPOINT ingest_item');
            for (const e of events) tx.emit(e);
            for (const fn of after) tx.afterCommit(fn);
          } catch (err) {
            if (isRetryableConflict(err)) throw err;
            await tx.em.query('ROLLBACK TO SAVEPOINT ingest_item');
            await tx.em.query('RELEASE SAVEPOINT ingest_item');
            if (err instanceof AlreadyIngested) {
              const winner = await this.inbound.seen(tx.em, msg.inboxId, msg.externalId);
              if (!winner) throw err;
              outcomes[i] = this.duplicate(winner, msg);
              continue;
            }
            const error = itemError(err);
            if (!error) throw err;
            this.logger.warn({ inboxId: msg.inboxId, externalId: msg.externalId, err }, 'batch item refused; the others go on');
            outcomes[i] = { error };
          }
        }
        await this.emitDeferred(tx, deferred);
      });
      return null;
    } catch (err) {
      if (err instanceof ItemFailed) return { index: err.index, err: err.err };
      throw err;
    }
  }

  /**
   * The batch's plain messages (no attachments, no channel rows, nothing that could answer a
   * satisfaction survey) written in one statement before the others are stored one by one:
   * what each wrote, by item. Data PostgreSQL refuses cannot be pinned on one item here:
   * `OneStatementRefused`, and the batch runs again item by item, which can.
   */
  private async storeTogether(
    tx: TxContext,
    inbox: { id: string; channel: ChannelKind; teamId: string | null },
    msgs: Array<InboundMessage | null>,
    inputs: InboundMessage[],
    todo: number[],
  ): Promise<Map<number, InboundStored | null>> {
    const plain = todo.filter((i) => !inputs[i].onStored && !msgs[i]!.attachments?.length && !this.csatReplies.mayAnswer({ text: msgs[i]!.text, hasAttachments: false }));
    if (plain.length < 2) return new Map();
    try {
      const stored = await this.inbound.storeMany(
        tx.em,
        inbox,
        plain.map((i) => ({ ...inboundWrite(inbox, msgs[i]!), position: i })),
      );
      return new Map(plain.map((i, k) => [i, stored[k]]));
    } catch (err) {
      if (!isRetryableConflict(err) && itemError(err)) throw new OneStatementRefused(err);
      throw err;
    }
  }

  /**
   * A batch's events in item order (each item's message event, then what its hooks reported). A
   * conversation written by several items is told once, before its first message, in its state at
   * commit: created when the batch opened it, else updated (its intermediate states were never
   * visible to anyone). The summaries are those the batch's storing statement returned when every
   * item was written by it and nothing wrote after it (the usual batch: no hook, no new contact
   * details); else they are read in one statement after the last item.
   */
  private async emitDeferred(tx: TxContext, deferred: DeferredEvents[]): Promise<void> {
    if (!deferred.length) return;
    const written = deferred.every((d) => d.summaries);
    const sums = written
      ? {
          conversations: new Map(deferred.map((d) => [d.conversationId, d.summaries!.conversation])),
          messages: new Map(deferred.map((d) => [d.messageId, d.summaries!.message])),
        }
      : await this.messages.summariesMany(
          tx.em,
          deferred.map((d) => d.conversationId),
          deferred.map((d) => d.messageId),
        );
    const created = new Set(deferred.filter((d) => d.conversationCreated).map((d) => d.conversationId));
    const told = new Set<string>();
    for (const d of deferred) {
      if (!told.has(d.conversationId)) {
        told.add(d.conversationId);
        tx.emit({
          type: created.has(d.conversationId) ? 'conversation.created' : 'conversation.updated',
          conversationId: d.conversationId,
          payload: sums.conversations.get(d.conversationId)!,
        });
      }
      tx.emit({ type: 'message.created', conversationId: d.conversationId, payload: sums.messages.get(d.messageId)! });
      for (const e of d.hookEvents) tx.emit(e);
    }
  }

  /**
   * One message inside the caller's transaction: identity → conversation → message → hooks → events.
   * With `deferred` (a batch) the events wait there for one summaries statement for the whole batch.
   */
  private async store(tx: TxContext, inbox: { teamId: string | null } | null, msg: InboundMessage, input: InboundMessage, deferred?: DeferredEvents[]): Promise<IngestResult> {
    const { em } = tx;
    // `inbox` null (a single message): the storing statement reads it, and the settings version.
    // A single message's storing statement confirms the push's token (a batch's precheck did).
    const tokenHash = inbox ? null : (input.inboxTokenHash ?? null);
    const w = { ...inboundWrite(inbox ?? { teamId: null }, msg), tokenHash };
    // The survey answer below writes before the storing statement: the token is confirmed first (rare: a rating's text).
    if (tokenHash && this.csatReplies.mayAnswer({ text: w.text, hasAttachments: Boolean(msg.attachments?.length) })) {
      if ((await this.inboxes.findIdByTokenHash(em, tokenHash)) !== w.inboxId) throw this.tokenRefused(tokenHash);
    }
    // A customer answering the satisfaction survey in the chat ("4", "👍"): the rating, kept in the
    // resolved conversation's timeline; no new conversation, no rules or SLA clocks on the message.
    const reply = await this.csatReplies.take(tx, {
      inboxId: w.inboxId,
      channel: w.channel,
      address: w.address,
      threadKey: w.threadKey,
      text: w.text,
      hasAttachments: Boolean(msg.attachments?.length),
      externalId: w.externalId,
      metadata: w.metadata,
      at: w.at,
    });
    if (reply) {
      if (!reply.messageId) throw new AlreadyIngested();
      if (input.onStored) await input.onStored(em, { messageId: reply.messageId, conversationId: reply.conversationId });
      return { conversationId: reply.conversationId, messageId: reply.messageId, contactId: reply.contactId, created: true, conversationCreated: false };
    }
    // One statement in the usual case; the step-by-step path when a concurrent first message of
    // the same sender holds the identity's unique key (its row is not in this statement's snapshot).
    const written = await this.inbound.store(em, w);
    if (!written.inbox) throw tokenHash ? this.tokenRefused(tokenHash) : notFound('inbox', msg.inboxId);
    assertChannel(written.inbox, msg);
    if (!inbox) useSettingsVersion(em, written.inbox.settingsVersion);
    const stored = written.stored ?? (await this.storeStepByStep(em, { ...w, teamId: written.inbox.teamId }));
    // In a batch this message's summaries may not be its conversation's last word (the batch's
    // storing statement wrote before it, or a later item writes after it): read at the end.
    return this.finish(tx, msg, input, deferred ? { ...stored, summaries: undefined } : stored, deferred, inbox ? null : written.inbox.settingsVersion);
  }

  private async storeStepByStep(em: EntityManager, w: InboundWrite): Promise<InboundStored> {
    const { contactId, identityId, created: newContact } = await this.contacts.resolveIdentity(em, w.channel, w.address, w.contact);
    const conversation = await this.conversations.upsertOpenThread(em, {
      inboxId: w.inboxId,
      channel: w.channel,
      contactId,
      identityId,
      threadKey: w.threadKey,
      teamId: w.teamId,
      subject: w.subject,
      language: w.language,
      priority: w.priority,
      at: w.at,
    });
    const messageId = await this.messages.insert(em, {
      conversationId: conversation.id,
      inboxId: w.inboxId,
      direction: 'inbound',
      kind: 'message',
      authorType: 'contact',
      authorId: contactId,
      text: w.text,
      html: w.html,
      externalId: w.externalId,
      status: null,
      metadata: w.metadata,
      createdAt: w.at,
    });
    return { contactId, identityId, newContact, conversationId: conversation.id, conversationCreated: conversation.created, slaRecord: conversation.slaRecord, messageId };
  }

  /** After the message's row: contact details, attachments, the channel's rows, hooks, events. */
  private async finish(
    tx: TxContext,
    msg: InboundMessage,
    input: InboundMessage,
    stored: InboundStored,
    deferred?: DeferredEvents[],
    /** A single message's settings version (as its storing statement read it): what its hooks did is remembered under it (`quiet`). */
    settingsVersion: string | null = null,
  ): Promise<IngestResult> {
    const { em, emit } = tx;
    const { contactId, conversationId, conversationCreated, messageId } = stored;
    if (!messageId) throw new AlreadyIngested();
    // After the conversation's row lock (taken by the upsert): routing locks conversation then contact.
    const contactChanged = !stored.newContact && (await this.contacts.fillMissing(em, contactId, msg.contact));
    if (msg.attachments?.length) await this.messages.insertAttachments(em, messageId, msg.attachments);
    // The channel's own rows that belong to the message (the raw email) commit with it, or not at all.
    if (input.onStored) await input.onStored(em, { messageId, conversationId });
    // SLA clocks and automation rules react in this transaction; their events follow the message's.
    const hookEvents: PendingEvent[] = [];
    const hookTx = { ...tx, emit: (e: PendingEvent) => hookEvents.push(e) };
    const createdHooks = conversationCreated && (await this.hooks.run(hookTx, { type: 'conversation.created', conversationId, messageId }, 'customer'));
    const messageHooks = await this.hooks.run(hookTx, { type: 'message.created', conversationId, messageId, from: 'customer', slaRecord: stored.slaRecord }, 'customer');
    if (settingsVersion !== null) {
      if (conversationCreated) this.quiet.created = createdHooks || messageHooks ? null : settingsVersion;
      if (!stored.slaRecord) this.quiet.message = messageHooks ? null : settingsVersion;
    }

    // The storing statement's summaries are the truth unless something wrote since (contact
    // details, attachments, the channel's rows, a hook).
    const unchanged = !contactChanged && !msg.attachments?.length && !input.onStored && !createdHooks && !messageHooks;
    if (deferred) {
      deferred.push({ conversationId, messageId, conversationCreated, hookEvents, summaries: unchanged ? stored.summaries : undefined });
      return { conversationId, messageId, contactId, created: true, conversationCreated };
    }
    const summaries = (unchanged && stored.summaries) || (await this.messages.summaries(em, conversationId, messageId));
    emit({ type: conversationCreated ? 'conversation.created' : 'conversation.updated', conversationId, payload: summaries.conversation });
    emit({ type: 'message.created', conversationId, payload: summaries.message });
    for (const e of hookEvents) emit(e);
    return { conversationId, messageId, contactId, created: true, conversationCreated };
  }

  /** The push's token, recognised from memory, is no longer its inbox's (rotated, deactivated, deleted): as the guard refuses it. */
  private tokenRefused(tokenHash: string): DomainError {
    this.inboxTokens.forget(tokenHash);
    return new DomainError('UNAUTHENTICATED', 'unknown or deactivated inbox token');
  }

  private duplicate(seen: SeenMessage, msg: InboundMessage): IngestResult {
    this.logger.debug({ inboxId: msg.inboxId, externalId: msg.externalId }, 'redelivered message ignored');
    return { conversationId: seen.conversationId, messageId: seen.id, contactId: seen.contactId, created: false, conversationCreated: false };
  }
}

/** What the storing statements write for a message (the thread, language and time defaults applied). */
function inboundWrite(inbox: { teamId: string | null }, msg: InboundMessage): InboundWrite {
  return {
    inboxId: msg.inboxId,
    channel: msg.channel,
    address: msg.contact.identifier,
    contact: msg.contact,
    threadKey: msg.threadKey ?? `contact:${msg.contact.identifier}`,
    teamId: inbox.teamId,
    subject: msg.subject ?? null,
    language: msg.language ?? msg.contact.language ?? null,
    priority: msg.priority ?? 1,
    at: msg.receivedAt ?? new Date(),
    text: msg.text,
    html: msg.html ?? null,
    externalId: msg.externalId,
    metadata: msg.metadata ?? {},
  };
}

/** A batch item's events, emitted once the batch's summaries are read. */
interface DeferredEvents {
  conversationId: string;
  messageId: string;
  conversationCreated: boolean;
  hookEvents: PendingEvent[];
  /** What the storing statement returned, when nothing wrote after it for this item. */
  summaries?: InboundStored['summaries'];
}

/** One item of a batch: its ingest result, or why it was refused (the others are unaffected). */
export type BatchIngestOutcome = IngestResult | { error: DomainError };

function channelMismatch(inbox: { channel: string }, msg: InboundMessage): DomainError {
  return new DomainError('VALIDATION_FAILED', `inbox ${msg.inboxId} is a ${inbox.channel} inbox, not ${msg.channel}`);
}

function assertChannel(inbox: { channel: string }, msg: InboundMessage): void {
  if (inbox.channel !== msg.channel) throw channelMismatch(inbox, msg);
}

/**
 * What a refused batch item tells its sender: a domain error as is; data the database refuses
 * (class 22: a NUL character, a malformed value; class 23: a CHECK) as a validation failure of
 * that item. Anything else (the connection, the server) is not the item's fault: null, and the
 * request fails whole.
 */
function itemError(err: unknown): DomainError | null {
  if (err instanceof DomainError) return err;
  const code = pgErrorCode(err);
  if (code && (code.startsWith('22') || code.startsWith('23'))) return new DomainError('VALIDATION_FAILED', `message refused by the database: ${(err as Error).message}`);
  return null;
}

/** Channel-neutral clean-up: sanitised HTML, a text body even for HTML-only input, a stable external id. */
export function normalise(input: InboundMessage): InboundMessage {
  const html = input.html ? sanitizeMessageHtml(input.html) : null;
  const text = input.text?.trim() ? input.text : html ? htmlToText(html) : '';
  const externalId =
    input.externalId?.trim() ||
    'sha256:' +
      createHash('sha256')
        .update(`${input.contact.identifier}\n${input.receivedAt?.toISOString() ?? ''}\n${text}`)
        .digest('hex');
  return { ...input, html, text, externalId };
}
