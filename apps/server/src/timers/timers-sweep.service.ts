import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig, JobQueue } from '@inbox/core';
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.define({ name: TIMERS_SWEEP_QUEUE, retryLimit: 0, retryDelay: 1, retryBackoff: false, expireInSeconds: 60 });
    await this.jobs.schedule(TIMERS_SWEEP_QUEUE, '* * * * *');
    if (this.config.runWorkers) await this.jobs.work(TIMERS_SWEEP_QUEUE, () => this.sweep(), { concurrency: 1 });
  }

  async sweep(): Promise<void> {
    await this.snooze.sweep().catch((err) => this.logger.warn({ err }, 'snooze sweep failed'));
    await this.sla.sweep().catch((err) => this.logger.warn({ err }, 'SLA sweep failed'));
  }
}
