import { Inject, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig, ChannelRegistry } from '@inbox/core';
import { ChannelEventsModule } from '../channel-events/channel-events.module';
import { TelegramAdminController } from './telegram-admin.controller';
import { TelegramApiClient } from './telegram-api.client';
import { TelegramChannelAdapter } from './telegram-channel.adapter';
import { TelegramInboundService } from './telegram-inbound.service';
import { TelegramWebhookController } from './telegram-webhook.controller';
import { TelegramWebhookService } from './telegram-webhook.service';

@Module({
  imports: [ChannelEventsModule],
  controllers: [TelegramWebhookController, TelegramAdminController],
  providers: [TelegramApiClient, TelegramChannelAdapter, TelegramWebhookService, TelegramInboundService],
})
export class TelegramChannelModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly adapter: TelegramChannelAdapter,
    private readonly webhooks: TelegramWebhookService,
    private readonly inbound: TelegramInboundService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.registry.register(this.adapter);
    // Defined before CoreModule starts the job queue, which then creates it.
    await this.webhooks.defineQueue();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runWorkers) await this.inbound.startWorker();
  }
}
