import { Injectable } from '@nestjs/common';
import { ConversationService, DomainError, InboxRepository, Principal, SecretBox, Transactions, notFound } from '@inbox/core';
import { InstagramChannelAdapter } from '../instagram/instagram-channel.adapter';
import { MessagingSecrets, MessagingSettings, MessengerChannelAdapter } from '../messenger/messenger-channel.adapter';
import { WhatsAppChannelAdapter, WhatsAppSecrets, WhatsAppSettings } from '../whatsapp/whatsapp-channel.adapter';
import { META_CHANNEL_KINDS, MetaChannelKind } from './meta-events';
import { MetaRepository } from './meta.repository';
import { serviceWindow } from './meta-window.util';

/** Admin operations on a WhatsApp, Messenger or Instagram inbox, and the window agents see. */
@Injectable()
export class MetaAdminService {
  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly secretBox: SecretBox,
    private readonly repo: MetaRepository,
    private readonly conversations: ConversationService,
    private readonly whatsapp: WhatsAppChannelAdapter,
    private readonly messenger: MessengerChannelAdapter,
    private readonly instagram: InstagramChannelAdapter,
  ) {}

  /** 200 either way: `problem` says whether the credentials (fix them) or the network (try again) failed. */
  async testConnection(inboxId: string) {
    const inbox = await this.metaInbox(inboxId);
    const secrets = inbox.secrets ? this.secretBox.open<Record<string, string>>(inbox.secrets) : {};
    try {
      const account =
        inbox.channel === 'whatsapp'
          ? await this.whatsapp.testConnection({
              phoneNumberId: (inbox.settings as unknown as WhatsAppSettings).phoneNumberId,
              accessToken: (secrets as unknown as WhatsAppSecrets).accessToken,
            })
          : await (inbox.channel === 'messenger' ? this.messenger : this.instagram).testConnection({
              accountId: (inbox.settings as unknown as MessagingSettings).accountId,
              pageAccessToken: (secrets as unknown as MessagingSecrets).pageAccessToken,
            });
      return { ok: true, account };
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const fields = (err.details?.fields ?? null) as Record<string, string[]> | null;
      return {
        ok: false,
        problem: err.code === 'UPSTREAM_FAILED' ? 'network' : 'credentials',
        code: err.code,
        field: fields ? Object.keys(fields)[0] : null,
        message: err.message,
      };
    }
  }

  async events(inboxId: string, outcome: string | null, limit: number) {
    await this.metaInbox(inboxId);
    return this.repo.listEvents(this.tx.manager, inboxId, outcome, limit);
  }

  async window(p: Principal, conversationId: string) {
    const conversation = await this.conversations.get(p, conversationId);
    if (!(META_CHANNEL_KINDS as readonly string[]).includes(conversation.channel))
      throw new DomainError('CHANNEL_NOT_SUPPORTED', `a ${conversation.channel} conversation has no customer service window`);
    const last = await this.repo.lastInboundAt(this.tx.manager, conversationId);
    return { channel: conversation.channel, lastCustomerMessageAt: last?.toISOString() ?? null, ...serviceWindow(conversation.channel as MetaChannelKind, last, new Date()) };
  }

  private async metaInbox(id: string) {
    const inbox = await this.inboxes.withSecrets(this.tx.manager, id);
    if (!inbox) throw notFound('inbox', id);
    if (!(META_CHANNEL_KINDS as readonly string[]).includes(inbox.channel))
      throw new DomainError('CHANNEL_NOT_SUPPORTED', `inbox ${id} is a ${inbox.channel} inbox, not a WhatsApp, Messenger or Instagram inbox`);
    return inbox;
  }
}
