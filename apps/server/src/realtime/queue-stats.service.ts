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

  /** Each replica pushes to its own coordinators' sockets every few seconds. */
  attach(emit: (stats: QueueStats) => void, everyMs = 5000): void {
    this.timer = setInterval(() => {
      this.compute().then(emit, (err) => this.logger.warn({ err }, 'queue stats failed'));
    }, everyMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
