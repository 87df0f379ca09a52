import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig, JobQueue, Transactions, TxContext } from '@inbox/core';
import type { PresenceName } from '@inbox/realtime-contract';
import { AssignmentService } from './assignment.service';
import { PresenceRepository } from './presence.repository';

export const PRESENCE_GRACE_QUEUE = 'presence-grace';
const HEARTBEAT_MS = 5000;
const REPLICA_DEAD_AFTER_S = 20;

/**
 * Presence lives in PostgreSQL, so every replica's routing sees every agent, with or
 * without Redis. Each replica counts its sockets per agent and heart-beats; an agent
 * is offline once no live replica holds a socket for them for PRESENCE_GRACE_SECONDS
 * (a durable job, so it fires once and survives restarts).
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceService.name);
  readonly replicaId = randomUUID();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly tx: Transactions,
    private readonly repo: PresenceRepository,
    private readonly jobs: JobQueue,
    private readonly routing: AssignmentService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.repo.registerReplica(this.tx.manager, this.replicaId);
    await this.jobs.define({ name: PRESENCE_GRACE_QUEUE, retryLimit: 5, retryDelay: 1, retryBackoff: true, notifyOnCommit: false });
    if (this.config.runWorkers) await this.jobs.work<{ userId: string }>(PRESENCE_GRACE_QUEUE, (job) => this.graceExpired(job.data.userId));
    this.heartbeat = setInterval(() => this.beat().catch((err) => this.logger.warn({ err }, 'presence heartbeat failed')), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    // Our sockets are gone: let the grace period decide, on whichever replica is alive (or after restart).
    await this.dropReplica(this.replicaId).catch((err) => this.logger.warn({ err }, 'could not release presence on shutdown'));
  }

  private async beat(): Promise<void> {
    await this.repo.heartbeat(this.tx.manager, this.replicaId);
    for (const id of await this.repo.deadReplicas(this.tx.manager, REPLICA_DEAD_AFTER_S)) {
      this.logger.warn({ replica: id }, 'a replica stopped heart-beating; releasing its sockets');
      await this.dropReplica(id);
    }
  }

  private async dropReplica(id: string): Promise<void> {
    await this.tx.run(async (tx) => {
      for (const userId of await this.repo.dropReplica(tx.em, id)) await this.scheduleGraceIfGone(tx, userId);
    });
  }

  async connected(userId: string): Promise<void> {
    await this.tx.run(async (tx) => {
      await this.repo.ensureReplica(tx.em, this.replicaId);
      await this.repo.addSocket(tx.em, this.replicaId, userId);
      await this.setPresence(tx, userId, null);
    });
  }

  async disconnected(userId: string): Promise<void> {
    await this.tx.run(async (tx) => {
      await this.repo.removeSocket(tx.em, this.replicaId, userId);
      await this.scheduleGraceIfGone(tx, userId);
    });
  }

  /** online | away, by the agent's choice; kept across reconnects. */
  async choose(userId: string, chosen: 'online' | 'away'): Promise<PresenceName> {
    return this.tx.run(async (tx) => {
      await this.repo.ensureStatus(tx.em, userId);
      await this.repo.setChosen(tx.em, userId, chosen);
      return this.setPresence(tx, userId, null);
    });
  }

  async presenceOf(userId: string): Promise<PresenceName> {
    return this.repo.presenceOf(this.tx.manager, userId);
  }

  private async scheduleGraceIfGone(tx: TxContext, userId: string): Promise<void> {
    if ((await this.repo.connectedSockets(tx.em, userId)) > 0) return;
    await this.repo.markChanged(tx.em, userId);
    await this.jobs.sendInTx(tx.em, PRESENCE_GRACE_QUEUE, { userId }, { startAfter: new Date(Date.now() + this.config.presenceGraceSeconds * 1000) });
  }

  /** Runs when a grace period ends: offline only if the agent did not come back meanwhile. */
  async graceExpired(userId: string): Promise<void> {
    const wentOffline = await this.tx.run(async (tx) => {
      const row = await this.repo.lockStatus(tx.em, userId);
      if (!row || row.presence === 'offline') return false;
      if (row.connected) return false;
      // A later disconnect scheduled its own job; this one is early for it.
      if (Date.now() - row.changedAt.getTime() < this.config.presenceGraceSeconds * 1000 - 250) return false;
      await this.setPresence(tx, userId, 'offline');
      return true;
    });
    if (wentOffline) {
      const moved = await this.routing.requeueAgent(userId, 'offline');
      this.logger.log({ userId, requeued: moved }, 'agent offline after grace period');
    }
  }

  /** Derives presence from the agent's choice and live sockets, and announces a change. */
  private async setPresence(tx: TxContext, userId: string, forced: 'offline' | null): Promise<PresenceName> {
    await this.repo.ensureStatus(tx.em, userId);
    const row = (await this.repo.lockStatus(tx.em, userId))!;
    // Within the grace period an agent without sockets keeps their presence.
    const next: PresenceName = forced ?? (row.connected ? row.chosen : row.presence);
    if (next !== row.presence) {
      await this.repo.setPresence(tx.em, userId, next);
      tx.emit({ type: 'agent.presence', conversationId: null, payload: { agentId: userId, presence: next, at: new Date().toISOString() } });
    }
    return next;
  }
}
