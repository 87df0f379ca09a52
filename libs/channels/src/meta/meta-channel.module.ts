import { Inject, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig, ChannelRegistry } from '@inbox/core';
import { ChannelEventsModule } from '../channel-events/channel-events.module';
import { InstagramChannelAdapter } from '../instagram/instagram-channel.adapter';
import { MessengerChannelAdapter } from '../messenger/messenger-channel.adapter';
import { WhatsAppChannelAdapter } from '../whatsapp/whatsapp-channel.adapter';
import { MetaAdminController } from './meta-admin.controller';
import { MetaAdminService } from './meta-admin.service';
import { MetaGraphClient } from './meta-graph.client';
import { MetaInboundService } from './meta-inbound.service';
import { MetaWebhookController } from './meta-webhook.controller';
import { MetaWebhookService } from './meta-webhook.service';
import { MetaRepository } from './meta.repository';

/** WhatsApp, Messenger and Instagram: three adapters over one Graph API client and one webhook. */
@Module({
  imports: [ChannelEventsModule],
  controllers: [MetaWebhookController, MetaAdminController],
  providers: [MetaGraphClient, MetaRepository, MetaWebhookService, MetaInboundService, MetaAdminService, WhatsAppChannelAdapter, MessengerChannelAdapter, InstagramChannelAdapter],
  exports: [MetaGraphClient],
})
export class MetaChannelModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly whatsapp: WhatsAppChannelAdapter,
    private readonly messenger: MessengerChannelAdapter,
    private readonly instagram: InstagramChannelAdapter,
    private readonly webhooks: MetaWebhookService,
    private readonly inbound: MetaInboundService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.registry.register(this.whatsapp);
    this.registry.register(this.messenger);
    this.registry.register(this.instagram);
    // Defined before CoreModule starts the job queue, which then creates it.
    await this.webhooks.defineQueue();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runWorkers) await this.inbound.startWorker();
  }
}
