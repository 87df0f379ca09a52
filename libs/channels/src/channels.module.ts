import { Module } from '@nestjs/common';
import { CHANNEL_ADAPTERS } from '@inbox/core';
import { ApiChannelAdapter } from './api/api-channel.adapter';

/** Every channel adapter registers here; the registry in core looks them up by kind. */
@Module({
  providers: [
    ApiChannelAdapter,
    { provide: CHANNEL_ADAPTERS, useFactory: (api: ApiChannelAdapter) => [api], inject: [ApiChannelAdapter] },
  ],
  exports: [CHANNEL_ADAPTERS],
})
export class ChannelsModule {}
