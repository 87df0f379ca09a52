import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { LoggerModule } from 'nestjs-pino';
import { createSecretKey, randomUUID } from 'node:crypto';
import { AppConfig, CoreModule } from '@inbox/core';
import { ChannelsModule } from '@inbox/channels';
import { AuthGuard } from './http/auth.guard';
import { DomainErrorFilter } from './http/domain-error.filter';
import { REDACTED_HEADERS, requestSerializer } from './http/log-redaction';
import { TokenService } from './auth/token.service';
import { AuthService } from './auth/auth.service';
import { AuthController } from './auth/auth.controller';
import { LoginRateLimiter } from './auth/login-rate-limiter';
import { PASSWORD_RESET_CONTROLLERS, PASSWORD_RESET_PROVIDERS } from './auth/password-reset';
import { HealthController } from './health/health.controller';
import { UsersController } from './admin/users.controller';
import { TeamsController } from './admin/teams.controller';
import { BotsController } from './admin/bots.controller';
import { InboxesController } from './admin/inboxes.controller';
import { ChannelsController } from './admin/channels.controller';
import { InboxesService } from './admin/inboxes.service';
import { ConversationsController } from './conversations/conversations.controller';
import { ContactsController } from './contacts/contacts.controller';
import { RoutingRepository } from './routing/routing.repository';
import { AssignmentService } from './routing/assignment.service';
import { RoutingScheduler } from './routing/routing-scheduler.service';
import { AwayMessageListener } from './routing/away-message.listener';
import { PresenceService } from './routing/presence.service';
import { PresenceRepository } from './routing/presence.repository';
import { RoutingController } from './routing/routing.controller';
import { RealtimeGateway } from './realtime/realtime.gateway';
import { RealtimeFanout } from './realtime/realtime-fanout.listener';
import { QueueStatsService } from './realtime/queue-stats.service';
import { WebStaticModule } from './web/web-static.module';
import { ReportsController } from './reports/reports.controller';
import { ReportsRepository } from './reports/reports.repository';
import { DirectoryController } from './web/directory.controller';
import { CannedResponsesController } from './web/canned-responses.controller';
import { CannedResponseRepository } from './web/canned-response.repository';
import { WebMessagesController } from './web/web-messages.controller';
import { SearchModule } from './search/search.module';
import { FeedbackModule } from './feedback.module';
import { MentionsModule } from './mentions/mentions.module';
import { SERVICE_LEVEL_CONTROLLERS, SERVICE_LEVEL_PROVIDERS } from './sla/service-levels';
import { INTEGRATION_CONTROLLERS, INTEGRATION_PROVIDERS } from './integrations/integrations';

export interface AppModuleOptions {
  config: AppConfig;
  databaseUrl: string;
}

@Module({})
export class AppModule {
  static forRoot(opts: AppModuleOptions): DynamicModule {
    const { config } = opts;
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: (req, res) => {
              const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 100) || randomUUID();
              res.setHeader('x-request-id', id);
              return id;
            },
            redact: REDACTED_HEADERS,
            serializers: { req: requestSerializer(config.logLevel) },
            autoLogging: { ignore: (req) => req.url === '/api/v1/health' },
            transport: config.logPretty ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } : undefined,
          },
        }),
        // The key as a KeyObject made once: given a string, jsonwebtoken first tries to parse it as a
        // public key on every verify (a thrown exception a request) before taking it as a secret.
        JwtModule.register({ secret: createSecretKey(Buffer.from(config.jwtSecret)), signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } }),
        CoreModule.forRoot({ config, databaseUrl: opts.databaseUrl, channels: ChannelsModule }),
        WebStaticModule,
        SearchModule,
        FeedbackModule,
        MentionsModule,
      ],
      controllers: [
        HealthController,
        AuthController,
        ...PASSWORD_RESET_CONTROLLERS,
        UsersController,
        TeamsController,
        BotsController,
        InboxesController,
        ChannelsController,
        ConversationsController,
        ContactsController,
        RoutingController,
        DirectoryController,
        CannedResponsesController,
        WebMessagesController,
        ReportsController,
        ...INTEGRATION_CONTROLLERS,
        ...SERVICE_LEVEL_CONTROLLERS,
      ],
      providers: [
        TokenService,
        AuthService,
        LoginRateLimiter,
        ...PASSWORD_RESET_PROVIDERS,
        InboxesService,
        RoutingRepository,
        AssignmentService,
        RoutingScheduler,
        AwayMessageListener,
        PresenceService,
        PresenceRepository,
        QueueStatsService,
        RealtimeGateway,
        RealtimeFanout,
        CannedResponseRepository,
        ReportsRepository,
        ...INTEGRATION_PROVIDERS,
        ...SERVICE_LEVEL_PROVIDERS,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
    };
  }
}
