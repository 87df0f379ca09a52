import { Module } from '@nestjs/common';
import { ApiChannelModule } from './api/api-channel.module';
import { EmailChannelModule } from './email/email-channel.module';
import { MetaChannelModule } from './meta/meta-channel.module';
import { SlackChannelModule } from './slack/slack-channel.module';
import { WebchatChannelModule } from './webchat/webchat-channel.module';

/**
 * One module per channel; each registers its adapter with the core ChannelRegistry.
 * Adding a channel = its folder + one line here.
 */
@Module({
  imports: [
    ApiChannelModule,
    EmailChannelModule,
    MetaChannelModule,
    SlackChannelModule,
    WebchatChannelModule,
  ],
})
export class ChannelsModule {}
