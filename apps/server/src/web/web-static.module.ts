import { Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import express, { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { APP_CONFIG, AppConfig } from '@inbox/core';

/**
 * Where the built web app lives. `WEB_DIST_DIR` wins (tests build into a temp folder so a
 * parallel `npm run build`, which empties dist/, cannot pull the files from under them);
 * otherwise dist/web next to the compiled server, or under the repo root when run from source.
 */
export function webDistDir(configured?: string): string | null {
  const candidates = [configured, resolve(__dirname, '../../../../web'), resolve(__dirname, '../../../../dist/web'), resolve(process.cwd(), 'dist/web')];
  for (const dir of candidates) if (dir && existsSync(join(dir, 'index.html'))) return dir;
  return null;
}

const NOT_BUILT_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Omnichannel inbox</title></head>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto"><h1>Omnichannel inbox</h1>
<p>The server is running, but the web app has not been built yet. Run <code>npm run build:web</code> and reload.</p>
<p>The API is at <a href="/api/docs">/api/docs</a>.</p></body></html>`;

/** API and socket paths never fall back to the SPA: a wrong API URL must stay a JSON 404. */
export function isSpaPath(path: string): boolean {
  // /help is the public help centre, server-rendered by knowledge/help-centre.ts; /csat the rating page (csat/csat-page.ts).
  return !/^\/(api|socket\.io|help|csat)(\/|$)/.test(path);
}

@Module({})
export class WebStaticModule implements OnModuleInit {
  private readonly logger = new Logger(WebStaticModule.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Mounted on the raw express app: Nest middleware would sit under the api/v1 global prefix. */
  onModuleInit(): void {
    const dir = webDistDir(this.config.webDistDir);
    if (!dir) this.logger.warn('dist/web not found: / shows a hint to run npm run build:web');
    const statics = dir ? express.static(dir, { index: false, maxAge: '1y', immutable: true }) : null;
    const handler = (req: Request, res: Response, next: NextFunction) => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !isSpaPath(req.path)) return next();
      const sendIndex = () => {
        if (!dir) return res.status(200).type('html').send(NOT_BUILT_PAGE);
        // index.html must never be cached: it names the hashed bundles of the current build.
        res.setHeader('cache-control', 'no-cache');
        res.sendFile(join(dir, 'index.html'));
      };
      if (!statics || req.path === '/' || req.path === '/index.html') return sendIndex();
      statics(req, res, () => (/\.[a-z0-9]+$/i.test(req.path) ? res.status(404).type('text').send('not found') : sendIndex()));
    };
    this.adapterHost.httpAdapter.use(handler);
  }
}
