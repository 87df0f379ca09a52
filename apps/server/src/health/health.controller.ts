import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Transactions } from '@inbox/core';
import { Public } from '../http/auth.decorators';

@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly startedAt = Date.now();

  constructor(private readonly tx: Transactions) {}

  @Public()
  @Get()
  async health(@Res({ passthrough: true }) res: Response) {
    const started = Date.now();
    try {
      await this.tx.manager.query('SELECT 1');
      return { status: 'ok', database: 'up', databaseLatencyMs: Date.now() - started, uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) };
    } catch (err) {
      res.status(503);
      return { status: 'error', database: 'down', error: (err as Error).message };
    }
  }
}
