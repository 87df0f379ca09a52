import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { TrustedProxies, parseOrigins, parseTrustedProxies } from './proxy-and-origins';

/**
 * The one validated configuration of the server. Every setting comes from the
 * environment; a wrong value fails at boot with one clear line naming it.
 */
const intFrom = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);

const schema = z.object({
  PORT: intFrom(3000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  DATABASE_POOL_SIZE: intFrom(10, 1, 500),
  DATABASE_CONNECT_TIMEOUT_MS: intFrom(5000, 100),
  DATABASE_STATEMENT_TIMEOUT_MS: intFrom(30000, 100),
  DATABASE_PREPARED_STATEMENTS: z.enum(['true', 'false', '1', '0']).default('true'),
  DATABASE_POOL_WARM: z.enum(['true', 'false', '1', '0']).default('true'),
  HEALTH_TIMEOUT_MS: intFrom(1000, 50),
  OUTBOUND_SEND_TIMEOUT_MS: intFrom(30000, 500),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'must be 1-64 letters, digits, _ : . -')
    .default('inbox'),
  DATA_DIR: z.string().min(1).default('./data'),
  EMBEDDED_PG_PORT: intFrom(54329, 1, 65535),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_TTL_SECONDS: intFrom(12 * 3600, 60),
  ENCRYPTION_KEY: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (32 bytes)')
    .optional(),
  ADMIN_EMAIL: z.email().default('admin@example.com'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: z.enum(['true', 'false', '1', '0']).optional(),
  MAX_BODY_BYTES: intFrom(1024 * 1024, 1024),
  HTTP_KEEP_ALIVE_SECONDS: intFrom(65, 1, 3600),
  JOB_POLL_SECONDS: intFrom(5, 1, 3600),
  PRESENCE_GRACE_SECONDS: intFrom(30, 0),
  OUTBOUND_RETRY_LIMIT: intFrom(5, 0, 50),
  OUTBOUND_RETRY_DELAY_SECONDS: intFrom(5, 1),
  WEBHOOK_TIMEOUT_MS: intFrom(10000, 100),
  WEBHOOK_CONCURRENCY: intFrom(4, 1, 64),
  INTAKE_CONCURRENCY: intFrom(4, 1, 64),
  WEBHOOK_RETRY_LIMIT: intFrom(14, 0, 50),
  WEBHOOK_RETRY_DELAY_SECONDS: intFrom(10, 1),
  WEBHOOK_DISABLE_AFTER_DAYS: intFrom(3, 1),
  WEBHOOK_SWEEP_LAG_SECONDS: intFrom(60, 1),
  OUTBOX_RETENTION_DAYS: intFrom(7, 1),
  RATE_LIMIT_PER_MINUTE: intFrom(1200, 1),
  RATE_LIMIT_IP_PER_MINUTE: intFrom(2400, 1),
  RATE_LIMIT_INGEST_PER_MINUTE: intFrom(6000, 1),
  OUTBOUND_ALLOW_PRIVATE: z.enum(['true', 'false', '1', '0']).default('false'),
  RUN_WORKERS: z.enum(['true', 'false', '1', '0']).default('true'),
  SLACK_API_URL: z
    .url()
    .regex(/^https?:\/\//, 'must be an http(s) URL')
    .default('https://slack.com/api/'),
  META_GRAPH_URL: z
    .url()
    .regex(/^https?:\/\//, 'must be an http(s) URL')
    .default('https://graph.facebook.com/v26.0/'),
  TELEGRAM_API_URL: z
    .url()
    .regex(/^https?:\/\//, 'must be an http(s) URL')
    .default('https://api.telegram.org'),
  X_API_URL: z
    .url()
    .regex(/^https?:\/\//, 'must be an http(s) URL')
    .default('https://api.x.com'),
  TRUSTED_PROXIES: z.string().default('loopback'),
  CORS_ORIGINS: z.string().optional(),
  API_DOCS: z.enum(['true', 'false', '1', '0']).optional(),
  WEB_DIST_DIR: z.string().min(1).optional(),
  NODE_ENV: z.string().optional(),
  VISITOR_TOKEN_TTL_SECONDS: intFrom(30 * 24 * 3600, 300),
  SYSTEM_SMTP_URL: z
    .url()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL, like smtp://user:password@mail.example.com:587')
    .optional(),
  SYSTEM_MAIL_FROM: z
    .string()
    .regex(/^([^<>\r\n]{0,100}<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'must be an address, like support@example.com or "Support <support@example.com>"')
    .optional(),
});

export interface AppConfig {
  port: number;
  host: string;
  publicUrl: string;
  /** PUBLIC_URL was set; otherwise `publicUrl` is derived from PORT (and the real port is known only once listening). */
  publicUrlSet: boolean;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Hot statements as named prepared statements (off behind a PgBouncer older than 1.21 in transaction mode). */
  databasePreparedStatements: boolean;
  /** Open every pool connection at start, keep them, and prepare the hot statements on each new one before it serves (warm-connection.ts). */
  databasePoolWarm: boolean;
  /** Waiting for a database connection (new, or from an exhausted pool). */
  databaseConnectTimeoutMs: number;
  /** One statement (server-side), and one query without an answer (client-side, a little longer). */
  databaseStatementTimeoutMs: number;
  /** `/health` answers 503 when the database has not answered `SELECT 1` within this. */
  healthTimeoutMs: number;
  /** Bound on one delivery attempt of a reply, all channels; the job expires a few seconds later. */
  outboundSendTimeoutMs: number;
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  dataDir: string;
  embeddedPgPort: number;
  jwtSecret: string;
  jwtTtlSeconds: number;
  encryptionKey: Buffer;
  adminEmail: string;
  adminPassword: string | undefined;
  logLevel: string;
  logPretty: boolean;
  maxBodyBytes: number;
  /** How long an idle keep-alive connection stays open (longer than the load balancer's idle timeout in front). */
  httpKeepAliveSeconds: number;
  /** How often an idle job worker looks for jobs no wake-up announced (JobQueue, BACKSTOP). */
  jobPollSeconds: number;
  presenceGraceSeconds: number;
  outboundRetryLimit: number;
  outboundRetryDelaySeconds: number;
  /** Event webhook deliveries in flight at once on each replica (one pg-boss worker each). */
  webhookConcurrency: number;
  /** Channel webhook updates (Meta, Telegram, X, Slack) worked at once on each replica, per channel kind; one inbox's run one at a time. */
  intakeConcurrency: number;
  webhookTimeoutMs: number;
  /** Event webhooks: retries with exponential backoff (capped at a day), and days of failure before a subscription is disabled. */
  webhookRetryLimit: number;
  webhookRetryDelaySeconds: number;
  webhookDisableAfterDays: number;
  /** Committed events no live path filed within this long (a crash between commit and filing) are filed by the sweeper. */
  webhookSweepLagSeconds: number;
  /** Committed events are kept this many days for socket replay and the webhook sweeper, then pruned (never before the sweeper has passed them). */
  outboxRetentionDays: number;
  /** REST requests per minute per token (or per IP without one), per IP overall, and per inbox token on ingest routes. */
  rateLimitPerMinute: number;
  rateLimitIpPerMinute: number;
  rateLimitIngestPerMinute: number;
  /** Lets webhooks and mail servers point at loopback/private/link-local addresses (self-hosted set-ups, tests). */
  outboundAllowPrivate: boolean;
  runWorkers: boolean;
  /** Base URL of Slack's Web API (a local fake in tests). */
  slackApiUrl: string;
  /** Base URL of Meta's Graph API, version included (WhatsApp, Messenger, Instagram; a local fake in tests). */
  metaGraphUrl: string;
  /** Base URL of the Telegram Bot API, without the /bot<token> part (a local fake in tests). */
  telegramApiUrl: string;
  /** Base URL of the X API (v2 paths are appended; a local fake in tests). */
  xApiUrl: string;
  /** Which X-Forwarded-For hops are believed (express `trust proxy`). */
  trustedProxies: TrustedProxies;
  /** Origins allowed to open agent sockets from a browser (default: PUBLIC_URL's origin). */
  corsOrigins: string[];
  /** Serve /api/docs (default: on unless NODE_ENV=production). */
  apiDocs: boolean;
  /** The built web app's folder; unset = dist/web beside the server or under the working directory. */
  webDistDir: string | undefined;
  visitorTokenTtlSeconds: number;
  /**
   * The transport for the server's own mail (password reset links), not any inbox's: null
   * when `SYSTEM_SMTP_URL` is unset, and then the login page offers no "forgot password".
   */
  systemMail: { smtpUrl: string; from: string } | null;
}

export class ConfigError extends Error {}

/** Secrets generated on first start and kept in DATA_DIR so restarts keep sessions and decryptability. */
function loadOrCreateSecrets(dataDir: string): { jwtSecret: string; encryptionKey: string } {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed.jwtSecret === 'string' && typeof parsed.encryptionKey === 'string') return parsed;
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets = { jwtSecret: randomBytes(48).toString('hex'), encryptionKey: randomBytes(32).toString('hex') };
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    // Every bad variable at once: fixing a deployment should not take one restart per typo.
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const c = result.data;
  if (c.SYSTEM_SMTP_URL && !c.SYSTEM_MAIL_FROM) throw new ConfigError('Invalid configuration: SYSTEM_MAIL_FROM is required when SYSTEM_SMTP_URL is set');
  const dataDir = resolve(c.DATA_DIR);
  const needGenerated = !c.JWT_SECRET || !c.ENCRYPTION_KEY;
  const generated = needGenerated ? loadOrCreateSecrets(dataDir) : undefined;
  const truthy = (v: string | undefined) => v === 'true' || v === '1';
  const publicUrl = (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, '');
  const parsed = <T>(name: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw new ConfigError(`Invalid configuration: ${name} ${(err as Error).message}`);
    }
  };
  return {
    port: c.PORT,
    host: c.HOST,
    publicUrl,
    publicUrlSet: c.PUBLIC_URL !== undefined,
    databaseUrl: c.DATABASE_URL,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    databasePreparedStatements: truthy(c.DATABASE_PREPARED_STATEMENTS),
    databasePoolWarm: truthy(c.DATABASE_POOL_WARM),
    databaseConnectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
    databaseStatementTimeoutMs: c.DATABASE_STATEMENT_TIMEOUT_MS,
    healthTimeoutMs: c.HEALTH_TIMEOUT_MS,
    outboundSendTimeoutMs: c.OUTBOUND_SEND_TIMEOUT_MS,
    redisUrl: c.REDIS_URL,
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    dataDir,
    embeddedPgPort: c.EMBEDDED_PG_PORT,
    jwtSecret: c.JWT_SECRET ?? generated!.jwtSecret,
    jwtTtlSeconds: c.JWT_TTL_SECONDS,
    encryptionKey: Buffer.from(c.ENCRYPTION_KEY ?? generated!.encryptionKey, 'hex'),
    adminEmail: c.ADMIN_EMAIL.toLowerCase(),
    adminPassword: c.ADMIN_PASSWORD,
    logLevel: c.LOG_LEVEL,
    logPretty: c.LOG_PRETTY ? truthy(c.LOG_PRETTY) : Boolean(process.stdout.isTTY),
    maxBodyBytes: c.MAX_BODY_BYTES,
    httpKeepAliveSeconds: c.HTTP_KEEP_ALIVE_SECONDS,
    jobPollSeconds: c.JOB_POLL_SECONDS,
    presenceGraceSeconds: c.PRESENCE_GRACE_SECONDS,
    outboundRetryLimit: c.OUTBOUND_RETRY_LIMIT,
    outboundRetryDelaySeconds: c.OUTBOUND_RETRY_DELAY_SECONDS,
    webhookTimeoutMs: c.WEBHOOK_TIMEOUT_MS,
    webhookConcurrency: c.WEBHOOK_CONCURRENCY,
    intakeConcurrency: c.INTAKE_CONCURRENCY,
    webhookRetryLimit: c.WEBHOOK_RETRY_LIMIT,
    webhookRetryDelaySeconds: c.WEBHOOK_RETRY_DELAY_SECONDS,
    webhookDisableAfterDays: c.WEBHOOK_DISABLE_AFTER_DAYS,
    webhookSweepLagSeconds: c.WEBHOOK_SWEEP_LAG_SECONDS,
    outboxRetentionDays: c.OUTBOX_RETENTION_DAYS,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    rateLimitIpPerMinute: c.RATE_LIMIT_IP_PER_MINUTE,
    rateLimitIngestPerMinute: c.RATE_LIMIT_INGEST_PER_MINUTE,
    outboundAllowPrivate: truthy(c.OUTBOUND_ALLOW_PRIVATE),
    runWorkers: truthy(c.RUN_WORKERS),
    slackApiUrl: c.SLACK_API_URL.endsWith('/') ? c.SLACK_API_URL : `${c.SLACK_API_URL}/`,
    metaGraphUrl: c.META_GRAPH_URL.endsWith('/') ? c.META_GRAPH_URL : `${c.META_GRAPH_URL}/`,
    telegramApiUrl: c.TELEGRAM_API_URL.replace(/\/+$/, ''),
    xApiUrl: c.X_API_URL.replace(/\/+$/, ''),
    trustedProxies: parsed('TRUSTED_PROXIES', () => parseTrustedProxies(c.TRUSTED_PROXIES)),
    corsOrigins: parsed('CORS_ORIGINS', () => parseOrigins(c.CORS_ORIGINS, publicUrl)),
    apiDocs: c.API_DOCS ? truthy(c.API_DOCS) : c.NODE_ENV !== 'production',
    webDistDir: c.WEB_DIST_DIR,
    visitorTokenTtlSeconds: c.VISITOR_TOKEN_TTL_SECONDS,
    systemMail: c.SYSTEM_SMTP_URL ? { smtpUrl: c.SYSTEM_SMTP_URL, from: c.SYSTEM_MAIL_FROM! } : null,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * The database URL alone, by the same rule as `loadConfig`: for tools that need nothing else (the
 * TypeORM CLI's data source), so they neither require nor generate the server's secrets.
 */
export function loadDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const result = schema.pick({ DATABASE_URL: true }).safeParse({ DATABASE_URL: env.DATABASE_URL || undefined });
  if (!result.success) throw new ConfigError(`Invalid configuration: ${result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`);
  return result.data.DATABASE_URL;
}
