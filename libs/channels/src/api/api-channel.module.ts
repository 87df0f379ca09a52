import { Module, OnModuleInit } from '@nestjs/common';
import { ChannelRegistry } from '@inbox/core';
import { ApiChannelAdapter } from './api-channel.adapter';
import { ApiIncomingController } from './api-incoming.controller';

@Module({ controllers: [ApiIncomingController], providers: [ApiChannelAdapter], exports: [ApiChannelAdapter] })
export class ApiChannelModule implements OnModuleInit {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly adapter: ApiChannelAdapter,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.adapter);
  }
}
