export * from './api/api-channel.adapter';
export * from './api/api-channel.module';
export * from './channels.module';
export * from './webchat/webchat-channel.adapter';
export * from './webchat/webchat-channel.module';
export * from './slack/slack-channel.adapter';
export * from './slack/slack-channel.module';
export { SlackBotService } from './slack/slack-bot.service';
export * from './email/email-channel.module';
