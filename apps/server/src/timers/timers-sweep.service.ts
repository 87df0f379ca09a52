import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue } from '@inbox/core';
import { SnoozeService } from './snooze.service';
import { SlaService } from '../sla/sla.service';

export const TIMERS_SWEEP_QUEUE = 'conversation-timers-sweep';

/**
 * The safety net under the conversation timers: every minute (once across replicas, a pg-boss
 * schedule) snoozes and SLA checks overdue by more than a few seconds are run, in case their
 * job was lost (a purged queue, a job that failed past its retries).
 */
@Injectable()
export class TimersSweep implements OnApplicationBootstrap {
  private readonly logger = new Logger(TimersSweep.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly snooze: SnoozeService,
    private readonly sla: SlaService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.every(TIMERS_SWEEP_QUEUE, '* * * * *', () => this.sweep(), 60);
  }

  async sweep(): Promise<void> {
    await this.snooze.sweep().catch((err) => this.logger.warn({ err }, 'snooze sweep failed'));
    await this.sla.sweep().catch((err) => this.logger.warn({ err }, 'SLA sweep failed'));
  }
}
