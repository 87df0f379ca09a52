import { Inject, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig, ChannelRegistry } from '@inbox/core';
import { ChannelEventsModule } from '../channel-events/channel-events.module';
import { XAdminController } from './x-admin.controller';
import { XApiClient } from './x-api.client';
import { XChannelAdapter } from './x-channel.adapter';
import { XInboundService } from './x-inbound.service';
import { XWebhookController } from './x-webhook.controller';
import { XWebhookService } from './x-webhook.service';
import { XRepository } from './x.repository';

@Module({
  imports: [ChannelEventsModule],
  controllers: [XWebhookController, XAdminController],
  providers: [XApiClient, XRepository, XChannelAdapter, XWebhookService, XInboundService],
})
export class XChannelModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly adapter: XChannelAdapter,
    private readonly webhooks: XWebhookService,
    private readonly inbound: XInboundService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.registry.register(this.adapter);
    await this.webhooks.defineQueue();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runWorkers) await this.inbound.startWorker();
  }
}
