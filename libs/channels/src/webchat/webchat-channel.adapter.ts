import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  APP_CONFIG,
  AppConfig,
  ChannelAdapter,
  ChannelRegistry,
  ConfiguredInbox,
  DomainError,
  InboxRepository,
  OutboundContext,
  PermanentSendError,
  SecretBox,
  SendResult,
  Transactions,
  newToken,
} from '@inbox/core';
import { parseWidgetSettings } from './widget-settings.util';
import { VisitorRooms } from './visitor-rooms';
import { WebchatVisitorService } from './webchat-visitor.service';

/**
 * The web chat channel: customers write from the embeddable widget (socket namespace
 * `/widget`), agents' replies are delivered to the visitor's room and kept as the
 * session's history for when the visitor comes back.
 */
@Injectable()
export class WebchatChannelAdapter implements ChannelAdapter {
  readonly kind = 'webchat' as const;
  private readonly logger = new Logger(WebchatChannelAdapter.name);

  constructor(
    private readonly rooms: VisitorRooms,
    private readonly visitors: WebchatVisitorService,
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly registry: ChannelRegistry,
    private readonly secretBox: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const websiteToken = newToken('wt');
    const parsed = parseWidgetSettings(input, websiteToken);
    if ('errors' in parsed) {
      const first = Object.entries(parsed.errors)[0];
      throw new DomainError('VALIDATION_FAILED', `${first[0]}: ${first[1][0]}`, { fields: parsed.errors });
    }
    await this.assertEmailInbox(parsed.settings.emailInboxId);
    const hmacSecret = newToken('whmac');
    return {
      settings: parsed.settings as unknown as Record<string, unknown>,
      secrets: { hmacSecret },
      revealOnce: { websiteToken, hmacSecret },
    };
  }

  /** Origins, colours, texts, pre-chat form, hours and linked email inbox change; the website token (in every embedded snippet) stays. */
  async reconfigure(current: Record<string, unknown>, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const keep = ['color', 'textColor', 'title', 'greeting', 'offlineMessage', 'position', 'locale', 'preChatForm', 'businessHours', 'emailInboxId'];
    const widget = Object.fromEntries(keep.filter((k) => current[k] !== undefined).map((k) => [k, current[k]]));
    const patch = (input.widget ?? {}) as Record<string, unknown>;
    if (typeof patch !== 'object' || Array.isArray(patch)) throw new DomainError('VALIDATION_FAILED', 'widget: must be an object', { fields: { widget: ['must be an object'] } });
    const parsed = parseWidgetSettings({ allowedOrigins: input.allowedOrigins ?? current.allowedOrigins, widget: { ...widget, ...patch } }, String(current.websiteToken));
    if ('errors' in parsed) {
      const first = Object.entries(parsed.errors)[0];
      throw new DomainError('VALIDATION_FAILED', `${first[0]}: ${first[1][0]}`, { fields: parsed.errors });
    }
    await this.assertEmailInbox(parsed.settings.emailInboxId);
    return parsed.settings as unknown as Record<string, unknown>;
  }

  private async assertEmailInbox(id: string | null): Promise<void> {
    if (!id) return;
    const inbox = await this.inboxes.get(this.tx.manager, id);
    if (!inbox || inbox.channel !== 'email') {
      throw new DomainError('VALIDATION_FAILED', 'widget.emailInboxId: must be the id of an email inbox', {
        fields: { 'widget.emailInboxId': ['must be the id of an email inbox'] },
      });
    }
  }

  /** The website token is public by design: it is in every page's script tag, so the snippet is always shown. */
  publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
    const snippet = `<script src="${this.config.publicUrl}/api/v1/widget/widget.js" data-website-token="${String(settings.websiteToken)}" async></script>`;
    return { ...settings, emailInboxId: settings.emailInboxId ?? null, snippet };
  }

  /**
   * Delivery is the emit to the visitor's room; a visitor who is away reads it in the
   * history on return. When no widget of the visitor is open, the inbox links an email
   * inbox and the visitor left an email, the reply also goes out by email.
   */
  async send(ctx: OutboundContext): Promise<SendResult> {
    const websiteToken = String(ctx.inbox.settings.websiteToken ?? '');
    const [message] = await this.visitors.toVisitor(websiteToken, [ctx.message]);
    if (message) this.rooms.emit(ctx.conversation.threadKey, 'message.created', { ...message, status: 'sent' });
    const emailInboxId = ctx.inbox.settings.emailInboxId as string | null | undefined;
    if (emailInboxId && !(await this.rooms.isOnline(ctx.conversation.threadKey))) await this.emailFollowUp(ctx, emailInboxId);
    return {};
  }

  /** The linked email inbox's adapter sends it; a temporary failure retries the whole send. */
  private async emailFollowUp(ctx: OutboundContext, emailInboxId: string): Promise<void> {
    const em = this.tx.manager;
    const [contact] = await em.query<Array<{ email: string | null }>>(`SELECT email FROM contacts WHERE id = $1`, [ctx.conversation.contactId]);
    if (!contact?.email) return;
    const inbox = await this.inboxes.withSecrets(em, emailInboxId);
    if (!inbox || inbox.channel !== 'email' || !inbox.active) {
      this.logger.warn({ inboxId: ctx.inbox.id, emailInboxId }, 'linked email inbox is missing or not an email inbox; no email follow-up');
      return;
    }
    try {
      await this.registry.get('email').send({
        ...ctx,
        inbox: { id: inbox.id, name: inbox.name, channel: inbox.channel, settings: inbox.settings, secrets: inbox.secrets ? this.secretBox.open(inbox.secrets) : {} },
        conversation: { ...ctx.conversation, subject: ctx.conversation.subject ?? `${ctx.inbox.name}: your chat` },
        recipient: contact.email,
      });
      this.logger.log({ messageId: ctx.message.id }, 'chat reply also sent by email to an offline visitor');
    } catch (err) {
      if (err instanceof PermanentSendError) {
        this.logger.warn({ messageId: ctx.message.id, reason: err.message }, 'email follow-up refused; the reply stays in the chat history');
        return;
      }
      throw err;
    }
  }
}
