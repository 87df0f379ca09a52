import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { dataSourceOptions } from './db/data-source';
import { Transactions } from './db/transactions';
import { usePreparedStatements } from './db/sql';
import { openAllConnections } from './db/warm-connection';
import { DomainEvents } from './events/domain-events';
import { OutboxRepository } from './events/outbox.repository';
import { JobQueue } from './jobs/job-queue';
import { ChannelRegistry } from './channels/channel-registry';
import { SecretBox } from './crypto/secret-box';
import { IngestService } from './ingest/ingest.service';
import { OutboundService } from './outbound/outbound.service';
import { OutboundReconciler } from './outbound/outbound-reconciler.service';
import { ConversationService } from './conversations/conversation.service';
import { AccessService } from './conversations/access.service';
import { ConversationHooks } from './conversations/conversation-hooks';
import { AccessChanges } from './auth/access-changes';
import { ContactRepository } from './repositories/contact.repository';
import { ConversationRepository } from './repositories/conversation.repository';
import { MessageRepository } from './repositories/message.repository';
import { InboundRepository } from './repositories/inbound.repository';
import { InboxRepository } from './repositories/inbox.repository';
import { UserRepository } from './repositories/user.repository';
import { TeamRepository } from './repositories/team.repository';
import { BotRepository } from './repositories/bot.repository';
import { RateLimits } from './security/rate-limits';
import { CsatRepository } from './csat/csat.repository';
import { CsatService } from './csat/csat.service';
import { CsatReplyService } from './csat/csat-reply.service';
import { MentionRepository } from './mentions/mention.repository';
import { MentionService } from './mentions/mention.service';
import { InboxTokenCache } from './auth/inbox-token-cache';

const EXPORTED = [
  Transactions,
  DomainEvents,
  OutboxRepository,
  JobQueue,
  ChannelRegistry,
  SecretBox,
  IngestService,
  OutboundService,
  ConversationService,
  AccessService,
  ConversationHooks,
  AccessChanges,
  ContactRepository,
  ConversationRepository,
  MessageRepository,
  InboundRepository,
  InboxRepository,
  UserRepository,
  TeamRepository,
  BotRepository,
  RateLimits,
  CsatRepository,
  CsatService,
  CsatReplyService,
  MentionRepository,
  MentionService,
  InboxTokenCache,
];

export interface CoreModuleOptions {
  config: AppConfig;
  databaseUrl: string;
  /** The module whose channel modules register adapters (kept out of core to avoid an import cycle). */
  channels: Type<unknown>;
}

const DATABASE_URL = Symbol('DATABASE_URL');

@Global()
@Module({})
export class CoreModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CoreModule.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly outbound: OutboundService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    private readonly dataSource: DataSource,
  ) {}

  static forRoot(opts: CoreModuleOptions): DynamicModule {
    usePreparedStatements(opts.config.databasePreparedStatements);
    return {
      module: CoreModule,
      imports: [
        TypeOrmModule.forRoot(
          dataSourceOptions(
            opts.databaseUrl,
            opts.config.databasePoolSize,
            { connectTimeoutMs: opts.config.databaseConnectTimeoutMs, statementTimeoutMs: opts.config.databaseStatementTimeoutMs },
            opts.config.databasePoolWarm,
          ),
        ),
        opts.channels,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: opts.config },
        { provide: DATABASE_URL, useValue: opts.databaseUrl },
        { provide: SecretBox, useFactory: (c: AppConfig) => new SecretBox(c.encryptionKey), inject: [APP_CONFIG] },
        ...EXPORTED.filter((p) => p !== SecretBox),
        OutboundReconciler,
      ],
      exports: [APP_CONFIG, ...EXPORTED],
    };
  }

  async onModuleInit(): Promise<void> {
    if (this.config.databasePoolWarm) {
      const pool = await openAllConnections(this.dataSource);
      const line = `database pool: ${pool.open} of ${pool.of} connections open and warmed in ${pool.ms} ms`;
      // Fewer: PostgreSQL refused the rest (max_connections); the pool opens them on demand.
      if (pool.open < pool.of) this.logger.warn(`${line}; the others could not be opened now (DATABASE_POOL_SIZE against max_connections)`);
      else this.logger.log(line);
    }
    await this.outbound.defineQueue();
    await this.jobs.start(this.databaseUrl);
    if (this.config.runWorkers) await this.outbound.startWorker();
    this.logger.log('job queue started');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.jobs.stop();
  }
}
