import { Injectable, Logger } from '@nestjs/common';
import {
  ContactRepository,
  ConversationRepository,
  ConversationService,
  DomainError,
  InboxRepository,
  MessageRepository,
  Principal,
  Transactions,
  TxContext,
  notFound,
} from '@inbox/core';
import { CallDetails, CallDirection, CallReport, CallStatus, callSummary, isFinal, mergeCall, needsCallback } from './phone-call.util';
import { PhoneRepository } from './phone.repository';

/** Raised inside the transaction when a concurrent first report of the same call won the insert. */
class CallRace extends Error {}

export interface ReportedCall extends CallReport {
  externalId: string;
  contact: { identifier: string; name?: string | null; phone: string };
  agentEmail?: string | null;
}

export interface ManualCall {
  direction: CallDirection;
  outcome: Extract<CallStatus, 'completed' | 'missed' | 'voicemail' | 'failed'>;
  durationSeconds: number;
  notes?: string | null;
  endedAt?: string | null;
}

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/**
 * Calls reported by a telephony system (CTI, PBX, a bot) with the inbox token, and calls
 * agents log by hand: one timeline entry of kind `call` per call, updated in place as the
 * call goes on. An inbound missed call or voicemail opens (or reopens) the conversation,
 * so routing assigns the call-back like any new conversation.
 */
@Injectable()
export class PhoneCallsService {
  private readonly logger = new Logger(PhoneCallsService.name);

  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly contacts: ContactRepository,
    private readonly conversations: ConversationRepository,
    private readonly conversationService: ConversationService,
    private readonly messages: MessageRepository,
    private readonly repo: PhoneRepository,
  ) {}

  async report(inboxId: string, r: ReportedCall): Promise<{ conversationId: string; messageId: string; created: boolean; call: CallDetails }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tx.run((tx) => this.reportOnce(tx, inboxId, r));
      } catch (err) {
        if (err instanceof CallRace && attempt < 3) continue;
        throw err;
      }
    }
  }

  private async reportOnce(tx: TxContext, inboxId: string, r: ReportedCall) {
    const { em, emit } = tx;
    const inbox = await this.inboxes.get(em, inboxId);
    if (!inbox) throw notFound('inbox', inboxId);
    if (inbox.channel !== 'phone') throw new DomainError('CHANNEL_NOT_SUPPORTED', `inbox ${inboxId} is a ${inbox.channel} inbox; calls are reported to phone inboxes`);
    if (!inbox.active) throw new DomainError('INVALID_STATE', `inbox ${inboxId} is inactive`);
    if (await this.repo.externalIdTaken(em, inboxId, r.externalId))
      throw new DomainError('CONFLICT', `externalId ${r.externalId} names a message of this inbox that is not a call`, {
        fields: { externalId: ['already used by a message that is not a call'] },
      });
    const agent = r.agentEmail ? await this.repo.userByEmail(em, r.agentEmail) : null;
    const now = new Date();
    const report: CallReport = { ...r, agent: r.agentEmail || agent ? { id: agent?.id ?? null, name: agent?.name ?? null, email: r.agentEmail ?? null } : null };
    const identity = await this.contacts.resolveIdentity(em, 'phone', r.contact.identifier, { name: r.contact.name ?? null, phone: r.contact.phone });
    if (!identity.created) await this.contacts.fillMissing(em, identity.contactId, { name: r.contact.name ?? null, phone: r.contact.phone });
    const threadKey = `phone:${r.contact.identifier}`;
    const existing = await this.repo.lockCall(em, inboxId, r.externalId);
    const call = mergeCall(existing?.call ?? null, report, now);
    const text = callSummary(call);
    const at = call.startedAt ?? now.toISOString();
    const openForCallback = async () => {
      const c = await this.conversations.upsertOpenThread(em, {
        inboxId,
        channel: 'phone',
        contactId: identity.contactId,
        identityId: identity.identityId,
        threadKey,
        teamId: inbox.teamId,
        subject: text.split('\n')[0],
        language: null,
        priority: 1,
        at: new Date(at),
      });
      return { id: c.id, created: c.created };
    };

    let conversationId: string;
    let conversationCreated = false;
    let messageId: string;
    if (existing) {
      messageId = existing.id;
      conversationId = existing.conversationId;
      await this.repo.updateCall(em, existing.id, text, call, agent?.id ?? null);
      if (needsCallback(call) && !needsCallback(existing.call)) {
        // Became a missed call: the conversation (re)opens and waits for a call-back.
        const c = await openForCallback();
        if (c.id !== conversationId) await this.repo.moveCall(em, existing.id, c.id);
        conversationId = c.id;
        conversationCreated = c.created;
      }
    } else {
      let conv: { id: string; created: boolean };
      if (needsCallback(call)) conv = await openForCallback();
      else {
        const open = await this.repo.currentConversation(em, inboxId, threadKey);
        conv = open
          ? { id: open, created: false }
          : {
              id: await this.repo.insertResolvedConversation(em, {
                inboxId,
                contactId: identity.contactId,
                identityId: identity.identityId,
                threadKey,
                teamId: inbox.teamId,
                subject: text.split('\n')[0],
                assigneeId: call.agentId,
                firstResponseAt: null,
                at,
              }),
              created: true,
            };
      }
      conversationId = conv.id;
      conversationCreated = conv.created;
      const inserted = await this.messages.insert(em, {
        conversationId,
        inboxId,
        direction: call.direction,
        kind: 'call',
        authorType: call.direction === 'inbound' ? 'contact' : call.agentId ? 'user' : 'system',
        authorId: call.direction === 'inbound' ? identity.contactId : call.agentId,
        text,
        html: null,
        externalId: r.externalId,
        status: null,
        metadata: { call },
        createdAt: new Date(at),
      });
      if (!inserted) throw new CallRace();
      messageId = inserted;
    }
    if (call.agentId && (call.status === 'completed' || (call.direction === 'outbound' && isFinal(call.status))))
      await this.repo.markFirstResponse(em, conversationId, call.answeredAt ?? call.endedAt ?? at);
    await this.repo.touch(em, conversationId, call.endedAt ?? at);

    const conversation = (await this.conversations.summary(em, conversationId))!;
    emit({ type: conversationCreated ? 'conversation.created' : 'conversation.updated', conversationId, payload: conversation });
    const message = await this.messages.mustSummary(em, messageId);
    emit({ type: existing && existing.conversationId === conversationId ? 'message.updated' : 'message.created', conversationId, payload: message });
    if (existing && existing.conversationId !== conversationId) {
      const old = await this.conversations.summary(em, existing.conversationId);
      if (old) emit({ type: 'conversation.updated', conversationId: old.id, payload: old });
    }
    this.logger.log({ inboxId, conversationId, status: call.status, created: !existing }, 'call reported');
    return { conversationId, messageId, created: !existing, call };
  }

  /** An agent logs a call made or taken on a desk phone, from the conversation. */
  async logManual(p: Principal, conversationId: string, m: ManualCall) {
    const conv = await this.conversationService.get(p, conversationId);
    return this.tx.run(async ({ em, emit }) => {
      const author =
        p.type === 'user'
          ? await em.query<Array<{ id: string; name: string; email: string }>>(`SELECT id, name, email FROM users WHERE id = $1`, [p.id]).then((r) => r[0] ?? null)
          : null;
      const ended = m.endedAt ? new Date(m.endedAt) : new Date();
      const started = new Date(ended.getTime() - m.durationSeconds * 1000);
      const call = mergeCall(
        null,
        {
          direction: m.direction,
          status: m.outcome,
          startedAt: started.toISOString(),
          answeredAt: m.outcome === 'completed' ? started.toISOString() : null,
          endedAt: ended.toISOString(),
          agent: author ? { id: author.id, name: author.name, email: author.email } : null,
          notes: m.notes ?? null,
        },
        new Date(),
        'manual',
      );
      const messageId = (await this.messages.insert(em, {
        conversationId,
        inboxId: conv.inboxId,
        direction: m.direction,
        kind: 'call',
        authorType: p.type === 'bot' ? 'bot' : 'user',
        authorId: p.type === 'user' || p.type === 'bot' ? p.id : null,
        text: callSummary(call),
        html: null,
        externalId: null,
        status: null,
        metadata: { call },
        createdAt: started,
      }))!;
      // Calling the customer back (or taking their call) answers them.
      if (author && (m.outcome === 'completed' || m.direction === 'outbound')) await this.repo.markFirstResponse(em, conversationId, ended.toISOString());
      await this.repo.touch(em, conversationId, ended.toISOString());
      emit({ type: 'message.created', conversationId, payload: await this.messages.mustSummary(em, messageId) });
      emit({ type: 'conversation.updated', conversationId, payload: (await this.conversations.summary(em, conversationId))! });
      return (await this.messages.summary(em, messageId))!;
    });
  }

  async callsReport(f: { from: Date; to: Date; inboxId: string | null }) {
    const rows = await this.repo.callsReport(this.tx.manager, f);
    const count = <K extends string>(key: (r: (typeof rows)[number]) => K) => rows.reduce<Record<string, number>>((acc, r) => ((acc[key(r)] = (acc[key(r)] ?? 0) + 1), acc), {});
    const agents = new Map<string, { calls: number; completed: number; talkSeconds: number }>();
    for (const r of rows) {
      if (!r.call.agentId) continue;
      const a = agents.get(r.call.agentId) ?? { calls: 0, completed: 0, talkSeconds: 0 };
      a.calls++;
      if (r.call.status === 'completed') a.completed++;
      a.talkSeconds += r.call.status === 'completed' ? (r.call.durationSeconds ?? 0) : 0;
      agents.set(r.call.agentId, a);
    }
    const names = await this.repo.userNames(this.tx.manager, [...agents.keys()]);
    const missed = rows.filter((r) => needsCallback(r.call));
    const waits = missed.filter((r) => r.calledBackAt).map((r) => Math.round((r.calledBackAt!.getTime() - r.createdAt.getTime()) / 1000));
    return {
      from: f.from.toISOString(),
      to: f.to.toISOString(),
      calls: rows.length,
      byDirection: count((r) => r.call.direction),
      byStatus: count((r) => r.call.status),
      byChannel: count((r) => r.channel),
      perAgent: [...agents.entries()].map(([agentId, a]) => ({ agentId, name: names.get(agentId) ?? null, ...a })).sort((a, b) => b.calls - a.calls),
      missed: { calls: missed.length, calledBack: waits.length, callbackSeconds: { p50: quantile(waits, 0.5), p90: quantile(waits, 0.9) } },
    };
  }
}
