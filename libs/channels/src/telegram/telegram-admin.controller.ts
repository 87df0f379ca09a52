import { Controller, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig, DomainError, InboxRepository, Roles, SecretBox, Transactions, notFound } from '@inbox/core';
import { TelegramApiClient } from './telegram-api.client';
import { TelegramChannelAdapter, TelegramSecrets, TelegramSettings, telegramWebhookUrl } from './telegram-channel.adapter';

@ApiTags('inboxes')
@ApiBearerAuth()
@Controller('inboxes')
export class TelegramAdminController {
  constructor(
    private readonly tx: Transactions,
    private readonly inboxes: InboxRepository,
    private readonly secretBox: SecretBox,
    private readonly adapter: TelegramChannelAdapter,
    private readonly telegram: TelegramApiClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * getMe and getWebhookInfo with the stored token. 200 either way: `problem` says whether the
   * token (fix it) or the network (try again) failed; `webhook` shows Telegram's last delivery error.
   */
  @Roles('admin')
  @Post(':id/telegram/test-connection')
  @HttpCode(200)
  async testConnection(@Param('id', ParseUUIDPipe) id: string) {
    const inbox = await this.inboxes.withSecrets(this.tx.manager, id);
    if (!inbox) throw notFound('inbox', id);
    if (inbox.channel !== 'telegram') throw new DomainError('CHANNEL_NOT_SUPPORTED', `inbox ${id} is a ${inbox.channel} inbox, not a Telegram inbox`);
    const { botToken } = inbox.secrets ? this.secretBox.open<TelegramSecrets>(inbox.secrets) : ({} as TelegramSecrets);
    const expected = telegramWebhookUrl(this.config.publicUrl, (inbox.settings as unknown as TelegramSettings).webhookKey);
    try {
      const bot = await this.adapter.testConnection(botToken);
      const info = await this.telegram
        .call<{ url?: string; pending_update_count?: number; last_error_message?: string; last_error_date?: number }>(botToken, 'getWebhookInfo', {})
        .catch(() => null);
      return {
        ok: true,
        account: { id: String(bot.id), name: bot.firstName, username: bot.username },
        webhook: info
          ? { url: info.url ?? null, registered: info.url === expected, pendingUpdateCount: info.pending_update_count ?? 0, lastErrorMessage: info.last_error_message ?? null }
          : null,
      };
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return {
        ok: false,
        problem: err.code === 'UPSTREAM_FAILED' ? 'network' : 'credentials',
        code: err.code,
        field: err.code === 'VALIDATION_FAILED' ? 'botToken' : null,
        message: err.message,
      };
    }
  }
}
