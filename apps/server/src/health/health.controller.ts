import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { APP_CONFIG, AppConfig, DATABASE_RETRY_AFTER_SECONDS, Transactions } from '@inbox/core';
import { Public } from '../http/auth.decorators';

@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly startedAt = Date.now();

  constructor(
    private readonly tx: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  async health(@Res({ passthrough: true }) res: Response) {
    const started = Date.now();
    try {
      // Its own short limit: a frozen database (or a pool it has exhausted) must not make the
      // load balancer's probe hang; the pool's timeouts are far longer.
      await withinMs(this.config.healthTimeoutMs, this.tx.manager.query<Array<{ one: number }>>('SELECT 1 AS one'));
      return { status: 'ok', database: 'up', databaseLatencyMs: Date.now() - started, uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) };
    } catch (err) {
      res.status(503).setHeader('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      return { status: 'error', database: 'down', error: (err as Error).message };
    }
  }
}

function withinMs<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // The late query settles on its own (pool timeouts); nothing waits for it.
  work.catch(() => undefined);
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
