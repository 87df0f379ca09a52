import { APP_GUARD } from '@nestjs/core';
import { HandoffController } from './handoff.controller';
import { ApiRateLimitGuard } from '../http/api-rate-limit.guard';
import { StartConversationController } from './start-conversation.controller';
import { StartConversationService } from './start-conversation.service';
import { StartConversationRepository } from './start-conversation.repository';
import { HandoffService } from './handoff.service';
import { HumanRequestListener } from './human-request.listener';
import { ChannelPostController } from './channel-post.controller';
import { BotDirectoryController } from './bot-directory.controller';
import { WebhooksController } from '../webhooks/webhooks.controller';
import { WebhookService } from '../webhooks/webhook.service';
import { WebhookRepository } from '../webhooks/webhook.repository';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.service';
import { OutboxRetention } from '../webhooks/outbox-retention.service';

/** Bots and integrations (handoff, event webhooks, business-started conversations, API limits): wired into AppModule as one list. */
export const INTEGRATION_CONTROLLERS = [HandoffController, WebhooksController, StartConversationController, ChannelPostController, BotDirectoryController];
export const INTEGRATION_PROVIDERS = [
  WebhookService,
  WebhookRepository,
  WebhookDispatcher,
  OutboxRetention,
  StartConversationService,
  StartConversationRepository,
  HandoffService,
  HumanRequestListener,
  // Listed before AppModule's AuthGuard: global guards run in order, and limits come before authentication.
  { provide: APP_GUARD, useClass: ApiRateLimitGuard },
];
