import { Module } from '@nestjs/common';
import { ApiChannelModule } from './api/api-channel.module';
import { EmailChannelModule } from './email/email-channel.module';
import { MetaChannelModule } from './meta/meta-channel.module';
import { SlackChannelModule } from './slack/slack-channel.module';
import { WebchatChannelModule } from './webchat/webchat-channel.module';
import { TelegramChannelModule } from './telegram/telegram-channel.module';
import { PhoneChannelModule } from './phone/phone-channel.module';
import { XChannelModule } from './x/x-channel.module';

/**
 * One module per channel; each registers its adapter with the core ChannelRegistry.
 * Adding a channel = its folder + one line here.
 */
@Module({
  imports: [
    ApiChannelModule,
    EmailChannelModule,
    // Before Meta: its `channels/:kind/:key/webhook` routes would otherwise catch these channels' paths.
    TelegramChannelModule,
    PhoneChannelModule,
    XChannelModule,
    MetaChannelModule,
    SlackChannelModule,
    WebchatChannelModule,
  ],
})
export class ChannelsModule {}
