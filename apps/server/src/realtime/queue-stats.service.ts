import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Transactions } from '@inbox/core';
import { BUILT_IN_DEFAULT_CAPACITY } from '@inbox/routing';
import type { QueueStats } from '@inbox/realtime-contract';
import { RoutingRepository } from '../routing/routing.repository';

/** The live queue per team and each agent's load against capacity, for coordinators. */
@Injectable()
export class QueueStatsService implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueStatsService.name);
  private timer: NodeJS.Timeout | null = null;
  private target: { emit: (stats: QueueStats) => void; wanted: () => boolean } | null = null;

  constructor(
    private readonly tx: Transactions,
    private readonly repo: RoutingRepository,
  ) {}

  async compute(): Promise<QueueStats> {
    const em = this.tx.manager;
    const [{ teams }, agents] = await Promise.all([this.repo.queueStats(em), this.repo.agents(em)]);
    return {
      at: new Date().toISOString(),
      teams,
      agents: agents.map((a) => ({
        agentId: a.id,
        name: a.name,
        presence: a.presence,
        load: a.load as Record<string, number>,
        capacity: { ...BUILT_IN_DEFAULT_CAPACITY, ...a.capacity } as Record<string, number>,
        lastAssignedAt: a.lastAssignedAt ? new Date(a.lastAssignedAt).toISOString() : null,
      })),
    };
  }

  /**
   * Each replica pushes to its own coordinators' sockets every few seconds, and reads the queue
   * only while it has one: a replica without a coordinator connected (most of them, and every
   * replica at night) sends PostgreSQL nothing for it.
   */
  attach(emit: (stats: QueueStats) => void, wanted: () => boolean, everyMs = 5000): void {
    this.target = { emit, wanted };
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref();
  }

  /** One push (the timer's): whether there was anyone to push to. */
  async tick(): Promise<boolean> {
    const target = this.target;
    if (!target?.wanted()) return false;
    await this.compute().then(target.emit, (err) => this.logger.warn({ err }, 'queue stats failed'));
    return true;
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
