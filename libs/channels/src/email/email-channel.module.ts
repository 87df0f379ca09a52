import { Module, OnModuleInit } from '@nestjs/common';
import { ChannelRegistry } from '@inbox/core';
import { EmailChannelAdapter } from './email-channel.adapter';
import { EmailController } from './email.controller';
import { EmailInboxService } from './email-inbox.service';
import { EmailIngestService } from './email-ingest.service';
import { EmailRepository } from './email.repository';
import { EmailWatcherService } from './email-watcher.service';

@Module({
  controllers: [EmailController],
  providers: [EmailChannelAdapter, EmailRepository, EmailIngestService, EmailWatcherService, EmailInboxService],
  exports: [EmailChannelAdapter, EmailIngestService],
})
export class EmailChannelModule implements OnModuleInit {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly adapter: EmailChannelAdapter,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.adapter);
  }
}
