import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from '../entities';
import { DatabaseTimeouts, appPoolTimeoutOptions } from './pool-options';
import { warmOnConnect } from './warm-connection';
import { OutboundDelivery1765160000000 } from './migrations/1765160000000-OutboundDelivery';
import { Init1764460800000 } from './migrations/1764460800000-Init';
import { Routing1764547200000 } from './migrations/1764547200000-Routing';
import { CannedResponses1764892800000 } from './migrations/1764892800000-CannedResponses';
import { SlackEvents1764720000000 } from './migrations/1764720000000-SlackEvents';
import { Webchat1764806400000 } from './migrations/1764806400000-Webchat';
import { EmailChannel1764633600000 } from './migrations/1764633600000-EmailChannel';
import { RateLimits1765300000000 } from './migrations/1765300000000-RateLimits';
import { SocialPhone1765460000000 } from './migrations/1765460000000-SocialPhone';
import { MetaEvents1765040000000 } from './migrations/1765040000000-MetaEvents';
import { Sessions1765100000000 } from './migrations/1765100000000-Sessions';
import { Search1765519000000 } from './migrations/1765519000000-Search';
import { SlaAutomation1765616000000 } from './migrations/1765616000000-SlaAutomation';
import { BotsWebhooks1765700000000 } from './migrations/1765700000000-BotsWebhooks';
import { HandoffKeywords1765700500000 } from './migrations/1765700500000-HandoffKeywords';
import { CsatQa1765800000000 } from './migrations/1765800000000-CsatQa';
import { QaQueue1766040000000 } from './migrations/1766040000000-QaQueue';
import { CannedTeams1766100200000 } from './migrations/1766100200000-CannedTeams';
import { Mentions1766200000000 } from './migrations/1766200000000-Mentions';
import { CsatRules1766210000000 } from './migrations/1766210000000-CsatRules';
import { VisitorInfo1766220000000 } from './migrations/1766220000000-VisitorInfo';
import { PasswordResets1766230000000 } from './migrations/1766230000000-PasswordResets';
import { SettingsVersion1766240000000 } from './migrations/1766240000000-SettingsVersion';
import { CsatSettingsVersion1766250000000 } from './migrations/1766250000000-CsatSettingsVersion';
import { SearchPrefixes1766260000000 } from './migrations/1766260000000-SearchPrefixes';
import { AgentLoads1766270000000 } from './migrations/1766270000000-AgentLoads';
import { IngestOneRoundTrip1766280000000 } from './migrations/1766280000000-IngestOneRoundTrip';
import { MessageVectorPlpgsql1766290000000 } from './migrations/1766290000000-MessageVectorPlpgsql';
import { GinPendingListLimit1766300000000 } from './migrations/1766300000000-GinPendingListLimit';
import { AutoPreparingClient } from './auto-prepare';
// TypeORM's query runners connected with young closures (see the file).
import './young-runner-closures';

/** Migrations are listed explicitly so the bundle, tests and the CLI run exactly the same set. */
export const MIGRATIONS = [
  Init1764460800000,
  Routing1764547200000,
  EmailChannel1764633600000,
  Webchat1764806400000,
  SlackEvents1764720000000,
  CannedResponses1764892800000,
  MetaEvents1765040000000,
  Sessions1765100000000,
  OutboundDelivery1765160000000,
  RateLimits1765300000000,
  SocialPhone1765460000000,
  Search1765519000000,
  SlaAutomation1765616000000,
  BotsWebhooks1765700000000,
  HandoffKeywords1765700500000,
  CsatQa1765800000000,
  QaQueue1766040000000,
  CannedTeams1766100200000,
  Mentions1766200000000,
  CsatRules1766210000000,
  VisitorInfo1766220000000,
  PasswordResets1766230000000,
  SettingsVersion1766240000000,
  CsatSettingsVersion1766250000000,
  SearchPrefixes1766260000000,
  AgentLoads1766270000000,
  IngestOneRoundTrip1766280000000,
  MessageVectorPlpgsql1766290000000,
  GinPendingListLimit1766300000000,
];

/**
 * `timeouts` for the application's pool; migrations run without a statement timeout (they may be long).
 * `warm`: the application's pool keeps every connection it opens (`min`, so none is closed for
 * being idle and reopened cold) and prepares its statements on each new one before lending it
 * (warm-connection.ts's `warmOnConnect`, pg-pool's `onConnect` hook); `openAllConnections` opens
 * them all at start.
 */
export function dataSourceOptions(url: string, poolSize = 10, timeouts?: DatabaseTimeouts, warm = false): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    // AutoPreparingClient: repeated statements are prepared once per connection.
    extra: {
      max: poolSize,
      application_name: 'omnichannel-inbox',
      Client: AutoPreparingClient,
      ...(timeouts ? appPoolTimeoutOptions(timeouts) : {}),
      ...(warm ? { min: poolSize, onConnect: warmOnConnect(timeouts?.connectTimeoutMs ?? 5000) } : {}),
    },
  };
}
