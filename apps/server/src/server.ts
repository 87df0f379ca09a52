import 'reflect-metadata';
import type { Server as HttpServer } from 'node:http';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'nestjs-pino';
import { json, urlencoded } from 'express';
import { AppConfig, EmbeddedDatabase, loadConfig, memoizeValidationMetadata, runMigrations, startEmbeddedDatabase } from '@inbox/core';
import { AppModule } from './app.module';
import { AuthService } from './auth/auth.service';
import { validationPipe } from './http/validation';
import { InboxIoAdapter } from './realtime/io-adapter';
import { jsonLimits } from './http/json-limits';
import { securityHeaders } from './http/security-headers';

export interface RunningServer {
  app: INestApplication;
  url: string;
  config: AppConfig;
  databaseUrl: string;
  admin: { email: string; generatedPassword: string | null; created: boolean };
  startupMs: number;
  close(): Promise<void>;
}

/**
 * Starts the whole server: the database (embedded when DATABASE_URL is unset),
 * migrations, HTTP + websockets. Used by `main.ts` and by the e2e tests alike.
 */
export async function startServer(env?: NodeJS.ProcessEnv): Promise<RunningServer> {
  const started = Date.now();
  const config = loadConfig(env);
  const logger = new Logger('Bootstrap');
  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedDatabase(config.dataDir, config.embeddedPgPort, undefined, /^(debug|trace)$/.test(config.logLevel));
    databaseUrl = embedded.url;
  }
  let app: NestExpressApplication | null = null;
  try {
    const applied = await runMigrations(databaseUrl);
    if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);

    // Every DTO class has loaded with the app module: class-validator's rule lookup is memoized from here on.
    memoizeValidationMetadata();
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, databaseUrl }), { bufferLogs: true, bodyParser: false });
    app.useLogger(app.get(PinoLogger));
    app.disable('x-powered-by');
    app.use(...securityHeaders({ https: config.publicUrl.startsWith('https:') }));
    const ioAdapter = new InboxIoAdapter(app, config.redisUrl, config.redisKeyPrefix, config);
    await ioAdapter.connectRedis();
    app.useWebSocketAdapter(ioAdapter);
    // The raw bytes are kept for webhook signature checks (Slack, Meta, Telegram sign the exact body).
    app.use(json({ limit: config.maxBodyBytes, verify: (req, _res, buf) => void ((req as unknown as { rawBody: Buffer }).rawBody = buf) }));
    app.use(urlencoded({ extended: false, limit: config.maxBodyBytes, verify: (req, _res, buf) => void ((req as unknown as { rawBody: Buffer }).rawBody = buf) }));
    app.use(jsonLimits);
    app.setGlobalPrefix('api/v1', { exclude: ['api/docs', 'api/docs-json'] });
    app.useGlobalPipes(validationPipe);
    // Which X-Forwarded-For hops are believed (req.ip, rate-limit keys): TRUSTED_PROXIES, default a loopback proxy only.
    app.set('trust proxy', config.trustedProxies);
    app.enableShutdownHooks();
    if (config.apiDocs) {
      const doc = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Omnichannel inbox API').setVersion('1').addBearerAuth().build());
      SwaggerModule.setup('api/docs', app, doc);
    }
    await app.init();
    // The first admin exists before the port opens: a login right after "healthy" works.
    const admin = await app.get(AuthService).ensureAdmin();
    // An idle keep-alive connection stays open longer than the proxy or load balancer in front
    // keeps it (60 s at the common ones): whoever closes an idle connection first races the other
    // side's next request on it, and when the server closes first that request fails ("other side
    // closed"; a 502 behind a balancer). Node's default is 5 s. The header deadline stays above it.
    const http = app.getHttpServer() as HttpServer;
    http.keepAliveTimeout = config.httpKeepAliveSeconds * 1000;
    http.headersTimeout = http.keepAliveTimeout + 1000;
    await app.listen(config.port, config.host);
    const address = http.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const running: RunningServer = {
      app,
      // With PORT=0 (tests) the real port is only known now.
      url: config.publicUrlSet ? config.publicUrl : `http://localhost:${port}`,
      config,
      databaseUrl,
      admin,
      startupMs: Date.now() - started,
      async close() {
        await app!.close();
        if (embedded) await embedded.stop();
      },
    };
    return running;
  } catch (err) {
    if (app) await app.close().catch(() => undefined);
    if (embedded) await embedded.stop().catch(() => undefined);
    throw err;
  }
}
