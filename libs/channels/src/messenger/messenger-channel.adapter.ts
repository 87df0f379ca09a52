import { Inject, Injectable } from '@nestjs/common';
import {
  APP_CONFIG,
  AppConfig,
  ChannelAdapter,
  ConfiguredInbox,
  MessageRepository,
  OutboundContext,
  PermanentSendError,
  SendResult,
  Transactions,
  surveyReplyOptions,
} from '@inbox/core';
import { APP_SECRET, GRAPH_ID, TOKEN, callbackUrl, checkGraph, invalid, requireString, toSendError, webhookIdentity } from '../meta/meta-adapter.util';
import { MetaGraphClient } from '../meta/meta-graph.client';
import { MetaRepository } from '../meta/meta.repository';
import { serviceWindow } from '../meta/meta-window.util';

export interface MessagingSettings {
  /** Page id (Messenger) or Instagram professional account id (Instagram). */
  accountId: string;
  accountName: string | null;
  webhookKey: string;
}

export interface MessagingSecrets {
  pageAccessToken: string;
  appSecret: string;
  verifyToken: string;
}

const ATTACHMENT_TYPE = (contentType: string): 'image' | 'video' | 'audio' | 'file' =>
  contentType.startsWith('image/') ? 'image' : contentType.startsWith('video/') ? 'video' : contentType.startsWith('audio/') ? 'audio' : 'file';

/**
 * Messenger and Instagram share the Send API (POST /me/messages with the Page access token)
 * and the 24-hour window, after which a human agent may answer for 7 days with the HUMAN_AGENT tag.
 */
export abstract class MessagingChannelAdapter implements ChannelAdapter {
  abstract readonly kind: 'messenger' | 'instagram';
  protected abstract readonly idField: 'pageId' | 'instagramAccountId';

  constructor(
    protected readonly graph: MetaGraphClient,
    protected readonly repo: MetaRepository,
    protected readonly messages: MessageRepository,
    protected readonly tx: Transactions,
    protected readonly config: AppConfig,
  ) {}

  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const accountId = requireString(
      input,
      this.idField,
      GRAPH_ID,
      this.idField === 'pageId' ? 'must be the Facebook Page ID (digits)' : 'must be the Instagram professional account ID (digits)',
    );
    const pageAccessToken = requireString(
      input,
      'pageAccessToken',
      TOKEN,
      'must be the Page access token (with pages_messaging' + (this.kind === 'instagram' ? ', instagram_manage_messages' : '') + ')',
    );
    const appSecret = requireString(input, 'appSecret', APP_SECRET, 'must be the app secret (App settings → Basic)');
    const { verifyToken, webhookKey } = webhookIdentity(input);
    const me = await this.testConnection({ accountId, pageAccessToken });
    const settings: MessagingSettings = { accountId, accountName: me.name, webhookKey };
    return {
      settings: settings as unknown as Record<string, unknown>,
      secrets: { pageAccessToken, appSecret, verifyToken } satisfies MessagingSecrets,
      revealOnce: { verifyToken },
    };
  }

  /** GET /me with the Page token: it must be the token of this Page (or of the Page linked to this Instagram account). */
  async testConnection(c: { accountId: string; pageAccessToken: string }): Promise<{ id: string; name: string | null }> {
    const me = await checkGraph(this.graph, { token: 'pageAccessToken', id: this.idField }, () =>
      this.graph.get('token check', c.pageAccessToken, 'me', { fields: this.kind === 'messenger' ? 'id,name' : 'id,name,instagram_business_account{id,username}' }),
    );
    const id = String(me.id ?? '');
    if (this.kind === 'messenger' && id !== c.accountId) throw invalid('pageAccessToken', `the token belongs to ${me.name ?? 'another Page'} (${id}), not to Page ${c.accountId}`);
    const ig = me.instagram_business_account;
    if (this.kind === 'instagram' && ig?.id && String(ig.id) !== c.accountId)
      throw invalid('instagramAccountId', `the Page's Instagram account is ${ig.username ?? ig.id} (${ig.id}), not ${c.accountId}`);
    return { id, name: (this.kind === 'instagram' ? ig?.username : null) ?? me.name ?? null };
  }

  publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
    const s = settings as unknown as MessagingSettings;
    return { [this.idField]: s.accountId, accountName: s.accountName ?? null, callbackUrl: callbackUrl(this.config.publicUrl, this.kind, s.webhookKey) };
  }

  async send(ctx: OutboundContext): Promise<SendResult> {
    const secrets = ctx.inbox.secrets as unknown as MessagingSecrets;
    const window = serviceWindow(this.kind, await this.repo.lastInboundAt(this.tx.manager, ctx.conversation.id), new Date());
    if (!window.open)
      throw new PermanentSendError(
        `META_WINDOW_CLOSED: the customer last wrote more than 7 days ago; ${this.kind === 'messenger' ? 'Messenger' : 'Instagram'} allows no reply until they write again`,
      );
    const tagging = window.mode === 'response' ? { messaging_type: 'RESPONSE' } : { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
    const recipient = { id: ctx.recipient };
    const text = ctx.message.text.trim();
    if (!text && ctx.message.attachments.length === 0) throw new PermanentSendError('META_REJECTED: nothing to send: the reply has no text');
    // A satisfaction survey: its answers as quick replies; a tap comes back as a message whose text
    // is the reply's title ("4", "👍"), which ingest reads as the rating.
    const options = surveyReplyOptions(ctx.message.metadata);
    const quickReplies = options ? { quick_replies: options.map((o) => ({ content_type: 'text', title: o, payload: `csat:${o}` })) } : {};
    try {
      const ids: string[] = [];
      if (text)
        ids.push(
          (
            await this.graph.post<{ message_id: string }>(`${this.kind} send`, secrets.pageAccessToken, 'me/messages', {
              recipient,
              ...tagging,
              message: { text, ...quickReplies },
            })
          ).message_id,
        );
      for (const a of ctx.message.attachments) {
        const stored = ctx.attachments.find((x) => x.id === a.id);
        if (!stored?.data) throw new PermanentSendError(`META_REJECTED: attachment ${a.fileName} has no stored content`);
        // The file travels with the request (filedata): no public URL of ours is needed.
        const form = new FormData();
        form.set('recipient', JSON.stringify(recipient));
        for (const [k, v] of Object.entries(tagging)) form.set(k, v);
        form.set('message', JSON.stringify({ attachment: { type: ATTACHMENT_TYPE(stored.contentType), payload: { is_reusable: false } } }));
        form.set('filedata', new Blob([new Uint8Array(stored.data)], { type: stored.contentType }), stored.fileName);
        ids.push((await this.graph.postForm<{ message_id: string }>(`${this.kind} attachment send`, secrets.pageAccessToken, 'me/messages', form)).message_id);
      }
      return { externalId: ids[0] ?? null };
    } catch (err) {
      throw toSendError(err);
    }
  }
}

/** A Messenger inbox is one Facebook Page. */
@Injectable()
export class MessengerChannelAdapter extends MessagingChannelAdapter {
  readonly kind = 'messenger' as const;
  protected readonly idField = 'pageId' as const;

  constructor(graph: MetaGraphClient, repo: MetaRepository, messages: MessageRepository, tx: Transactions, @Inject(APP_CONFIG) config: AppConfig) {
    super(graph, repo, messages, tx, config);
  }
}
