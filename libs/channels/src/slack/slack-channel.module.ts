import { Inject, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig, ChannelRegistry } from '@inbox/core';
import { ChannelEventsModule } from '../channel-events/channel-events.module';
import { SlackApiClient } from './slack-api.client';
import { SlackBotController } from './slack-bot.controller';
import { SlackBotService } from './slack-bot.service';
import { SlackChannelAdapter } from './slack-channel.adapter';
import { SlackEventsController } from './slack-events.controller';
import { SlackEventsService } from './slack-events.service';
import { SlackRepository } from './slack.repository';

@Module({
  imports: [ChannelEventsModule],
  controllers: [SlackEventsController, SlackBotController],
  providers: [SlackApiClient, SlackRepository, SlackChannelAdapter, SlackEventsService, SlackBotService],
  exports: [SlackChannelAdapter, SlackApiClient],
})
export class SlackChannelModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly adapter: SlackChannelAdapter,
    private readonly events: SlackEventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.registry.register(this.adapter);
    // Defined before CoreModule starts the job queue, which then creates it.
    await this.events.defineQueue();
  }

  /** Workers start once the job queue runs (CoreModule starts it in its own onModuleInit). */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runWorkers) await this.events.startWorker();
  }
}
