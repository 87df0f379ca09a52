import { Module, OnModuleInit } from '@nestjs/common';
import { ChannelRegistry } from '@inbox/core';
import { PhoneCallsController } from './phone-calls.controller';
import { PhoneCallsService } from './phone-calls.service';
import { PhoneChannelAdapter } from './phone-channel.adapter';
import { PhoneRepository } from './phone.repository';

@Module({
  controllers: [PhoneCallsController],
  providers: [PhoneChannelAdapter, PhoneCallsService, PhoneRepository],
})
export class PhoneChannelModule implements OnModuleInit {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly adapter: PhoneChannelAdapter,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.adapter);
  }
}
