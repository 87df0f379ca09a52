import { MiddlewareConsumer, Module, NestModule, OnModuleInit, RequestMethod } from '@nestjs/common';
import { ChannelRegistry } from '@inbox/core';
import { WebchatChannelAdapter } from './webchat-channel.adapter';
import { WebchatRepository } from './webchat.repository';
import { WebchatVisitorService } from './webchat-visitor.service';
import { VisitorRooms } from './visitor-rooms';
import { WidgetGateway } from './widget.gateway';
import { WidgetFanout } from './widget-fanout.listener';
import { WidgetController } from './widget.controller';
import { WidgetCorsMiddleware } from './widget-cors.middleware';

@Module({
  controllers: [WidgetController],
  providers: [WebchatChannelAdapter, WebchatRepository, WebchatVisitorService, VisitorRooms, WidgetGateway, WidgetFanout, WidgetCorsMiddleware],
  exports: [WebchatChannelAdapter],
})
export class WebchatChannelModule implements OnModuleInit, NestModule {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly adapter: WebchatChannelAdapter,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.adapter);
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WidgetCorsMiddleware).forRoutes({ path: 'widget/*path', method: RequestMethod.ALL });
  }
}
