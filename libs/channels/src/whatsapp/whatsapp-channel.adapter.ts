import { Inject, Injectable, Logger } from '@nestjs/common';
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
  surveyPickerLabel,
  surveyReplyOptions,
} from '@inbox/core';
import { APP_SECRET, GRAPH_ID, TOKEN, callbackUrl, checkGraph, requireString, toSendError, webhookIdentity } from '../meta/meta-adapter.util';
import { MetaGraphClient } from '../meta/meta-graph.client';
import { MetaRepository } from '../meta/meta.repository';
import { serviceWindow } from '../meta/meta-window.util';

export interface WhatsAppSettings {
  phoneNumberId: string;
  businessAccountId: string;
  displayPhoneNumber: string | null;
  verifiedName: string | null;
  webhookKey: string;
}

export interface WhatsAppSecrets {
  accessToken: string;
  appSecret: string;
  verifyToken: string;
}

/** An approved template chosen by the agent, carried in the reply's metadata. */
export interface WhatsAppTemplateChoice {
  name: string;
  language: string;
  parameters: string[];
}

const MEDIA_TYPE = (contentType: string): 'image' | 'video' | 'audio' | 'document' =>
  /^image\/(jpeg|png)$/.test(contentType) ? 'image' : /^video\/(mp4|3gpp)$/.test(contentType) ? 'video' : /^audio\//.test(contentType) ? 'audio' : 'document';

/**
 * A WhatsApp inbox is one phone number of the WhatsApp Cloud API. Customers' messages come
 * through the shared Meta webhook; replies go to POST /{phone-number-id}/messages.
 */
@Injectable()
export class WhatsAppChannelAdapter implements ChannelAdapter {
  readonly kind = 'whatsapp' as const;
  private readonly logger = new Logger(WhatsAppChannelAdapter.name);

  constructor(
    private readonly graph: MetaGraphClient,
    private readonly repo: MetaRepository,
    private readonly messages: MessageRepository,
    private readonly tx: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const phoneNumberId = requireString(input, 'phoneNumberId', GRAPH_ID, 'must be the phone number ID from WhatsApp → API Setup (digits)');
    const businessAccountId = requireString(input, 'businessAccountId', GRAPH_ID, 'must be the WhatsApp Business Account ID (digits)');
    const accessToken = requireString(input, 'accessToken', TOKEN, 'must be a system user access token with whatsapp_business_messaging');
    const appSecret = requireString(input, 'appSecret', APP_SECRET, 'must be the app secret (App settings → Basic)');
    const { verifyToken, webhookKey } = webhookIdentity(input);
    const number = await this.testConnection({ phoneNumberId, accessToken });
    const settings: WhatsAppSettings = { phoneNumberId, businessAccountId, displayPhoneNumber: number.displayPhoneNumber, verifiedName: number.verifiedName, webhookKey };
    return { settings: settings as unknown as Record<string, unknown>, secrets: { accessToken, appSecret, verifyToken } satisfies WhatsAppSecrets, revealOnce: { verifyToken } };
  }

  /** GET /{phone-number-id}: a wrong token is a 400 on accessToken, an unknown number a 400 on phoneNumberId, an unreachable Graph a 502. */
  async testConnection(c: { phoneNumberId: string; accessToken: string }): Promise<{ id: string; displayPhoneNumber: string | null; verifiedName: string | null }> {
    const r = await checkGraph(this.graph, { token: 'accessToken', id: 'phoneNumberId' }, () =>
      this.graph.get('phone number check', c.accessToken, c.phoneNumberId, { fields: 'id,display_phone_number,verified_name,quality_rating' }),
    );
    return { id: String(r.id ?? c.phoneNumberId), displayPhoneNumber: r.display_phone_number ?? null, verifiedName: r.verified_name ?? null };
  }

  publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
    const s = settings as unknown as WhatsAppSettings;
    return {
      phoneNumberId: s.phoneNumberId,
      businessAccountId: s.businessAccountId,
      displayPhoneNumber: s.displayPhoneNumber ?? null,
      verifiedName: s.verifiedName ?? null,
      callbackUrl: callbackUrl(this.config.publicUrl, 'whatsapp', s.webhookKey),
    };
  }

  async send(ctx: OutboundContext): Promise<SendResult> {
    const s = ctx.inbox.settings as unknown as WhatsAppSettings;
    const secrets = ctx.inbox.secrets as unknown as WhatsAppSecrets;
    const template = ctx.message.metadata?.whatsappTemplate as WhatsAppTemplateChoice | undefined;
    if (!template) {
      // Refused before Meta answers 131047: free text outside the 24-hour window only costs a failed call.
      const window = serviceWindow('whatsapp', await this.repo.lastInboundAt(this.tx.manager, ctx.conversation.id), new Date());
      if (!window.open) {
        throw new PermanentSendError(
          `META_WINDOW_CLOSED: the customer last wrote more than 24 hours ago${window.until ? ` (the window closed at ${window.until})` : ''}; send an approved template instead`,
        );
      }
    }
    const to = ctx.recipient;
    const replyTo = typeof ctx.message.metadata?.replyToExternalId === 'string' ? { context: { message_id: ctx.message.metadata.replyToExternalId } } : {};
    const post = (body: Record<string, unknown>) =>
      this.graph.post<{ messages?: Array<{ id: string }> }>('WhatsApp send', secrets.accessToken, `${s.phoneNumberId}/messages`, {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to,
        ...replyTo,
        ...body,
      });
    try {
      const ids: string[] = [];
      if (template) {
        const components = template.parameters.length ? [{ type: 'body', parameters: template.parameters.map((text) => ({ type: 'text', text })) }] : [];
        ids.push(...((await post({ type: 'template', template: { name: template.name, language: { code: template.language }, components } })).messages ?? []).map((m) => m.id));
      } else {
        const text = ctx.message.text.trim();
        for (const [i, a] of ctx.message.attachments.entries()) {
          const stored = ctx.attachments.find((x) => x.id === a.id);
          if (!stored?.data) throw new PermanentSendError(`META_REJECTED: attachment ${a.fileName} has no stored content`);
          const form = new FormData();
          form.set('messaging_product', 'whatsapp');
          form.set('type', stored.contentType);
          form.set('file', new Blob([new Uint8Array(stored.data)], { type: stored.contentType }), stored.fileName);
          const uploaded = await this.graph.postForm<{ id: string }>('WhatsApp media upload', secrets.accessToken, `${s.phoneNumberId}/media`, form);
          const type = MEDIA_TYPE(stored.contentType);
          // The text rides as the caption of a single image, video or document.
          const caption = i === 0 && text && ctx.message.attachments.length === 1 && type !== 'audio' ? { caption: text } : {};
          const sent = await post({ type, [type]: { id: uploaded.id, ...caption, ...(type === 'document' ? { filename: stored.fileName } : {}) } });
          ids.push(...(sent.messages ?? []).map((m) => m.id));
        }
        const captioned = ctx.message.attachments.length === 1 && MEDIA_TYPE(ctx.message.attachments[0].contentType) !== 'audio';
        if (text && !captioned) ids.unshift(...((await post(textBody(text, ctx.message.metadata))).messages ?? []).map((m) => m.id));
        if (!text && ctx.message.attachments.length === 0) throw new PermanentSendError('META_REJECTED: nothing to send: the reply has no text');
      }
      // The first wamid names the message: its status webhooks (delivered, read) find it by this id.
      return { externalId: ids[0] ?? null };
    } catch (err) {
      throw toSendError(err);
    }
  }
}

/**
 * A text message, or a satisfaction survey with its answers to tap: reply buttons for thumbs (two
 * fit WhatsApp's three), a list for 1-5. A tap comes back as an interactive reply whose title ("4",
 * "👍") ingest reads as the rating. Interactive bodies stop at 1024 characters: a longer survey
 * goes as plain text (the customer can still type the number).
 */
function textBody(text: string, metadata: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const options = surveyReplyOptions(metadata);
  if (!options || text.length > 1024) return { type: 'text', text: { preview_url: false, body: text } };
  const action =
    options.length <= 3
      ? { buttons: options.map((o) => ({ type: 'reply', reply: { id: `csat:${o}`, title: o } })) }
      : { button: surveyPickerLabel(metadata), sections: [{ rows: options.map((o) => ({ id: `csat:${o}`, title: o })) }] };
  return { type: 'interactive', interactive: { type: options.length <= 3 ? 'button' : 'list', body: { text }, action } };
}
