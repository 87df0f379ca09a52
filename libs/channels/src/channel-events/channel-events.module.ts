import { Module } from '@nestjs/common';
import { ChannelEventsController } from './channel-events.controller';
import { ChannelEventsRepository } from './channel-events.repository';

/** What Telegram and X share: the events table (redelivery guard, rejected events with reasons), edits, reachability. */
@Module({
  controllers: [ChannelEventsController],
  providers: [ChannelEventsRepository],
  exports: [ChannelEventsRepository],
})
export class ChannelEventsModule {}
