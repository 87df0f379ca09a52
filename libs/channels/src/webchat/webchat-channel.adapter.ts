import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig, ChannelAdapter, ConfiguredInbox, DomainError, OutboundContext, SendResult, newToken } from '@inbox/core';
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async configure(input: Record<string, unknown>): Promise<ConfiguredInbox> {
    const websiteToken = newToken('wt');
    const parsed = parseWidgetSettings(input, websiteToken);
    if ('errors' in parsed) {
      const first = Object.entries(parsed.errors)[0];
      throw new DomainError('VALIDATION_FAILED', `${first[0]}: ${first[1][0]}`, { fields: parsed.errors });
    }
    const hmacSecret = newToken('whmac');
    return {
      settings: parsed.settings as unknown as Record<string, unknown>,
      secrets: { hmacSecret },
      revealOnce: { websiteToken, hmacSecret },
    };
  }

  /** The website token is public by design: it is in every page's script tag, so the snippet is always shown. */
  publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
    const snippet = `<script src="${this.config.publicUrl}/api/v1/widget/widget.js" data-website-token="${String(settings.websiteToken)}" async></script>`;
    return { ...settings, emailInboxId: settings.emailInboxId ?? null, snippet };
  }

  /**
   * Delivery is the emit to the visitor's room; a visitor who is away reads it in the
   * history on return, so a stored reply is a sent reply. Mailing replies to a visitor who
   * left an email (via a linked email inbox) is not done yet.
   */
  async send(ctx: OutboundContext): Promise<SendResult> {
    const websiteToken = String(ctx.inbox.settings.websiteToken ?? '');
    const [message] = await this.visitors.toVisitor(websiteToken, [ctx.message]);
    if (message) this.rooms.emit(ctx.conversation.threadKey, 'message.created', { ...message, status: 'sent' });
    return {};
  }
}
