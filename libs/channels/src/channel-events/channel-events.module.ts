import { Module } from '@nestjs/common';
import { ChannelEventsController } from './channel-events.controller';
import { ChannelEventsRepository } from './channel-events.repository';
import { WebhookIntakeService } from './webhook-intake.service';

/**
 * What the webhook channels share: the intake (inbox lookup, event + job in one transaction,
 * pruning), and for Telegram and X the events table (redelivery guard, rejected events with
 * reasons), edits, reachability.
 */
@Module({
  controllers: [ChannelEventsController],
  providers: [ChannelEventsRepository, WebhookIntakeService],
  exports: [ChannelEventsRepository, WebhookIntakeService],
})
export class ChannelEventsModule {}
