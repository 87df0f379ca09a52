import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig, JobQueue, Transactions, TxContext, queryRows } from '@inbox/core';
import type { PresenceName } from '@inbox/realtime-contract';
import { RoutingService } from './routing.service';

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
    private readonly jobs: JobQueue,
    private readonly routing: RoutingService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.tx.manager.query(`INSERT INTO replicas (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`, [this.replicaId]);
    await this.jobs.define({ name: PRESENCE_GRACE_QUEUE, retryLimit: 5, retryDelay: 1, retryBackoff: true });
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
    await this.tx.manager.query(`UPDATE replicas SET heartbeat_at = now() WHERE id = $1`, [this.replicaId]);
    const dead = await this.tx.manager.query(`SELECT id FROM replicas WHERE heartbeat_at < now() - make_interval(secs => $1)`, [REPLICA_DEAD_AFTER_S]);
    for (const r of dead) {
      this.logger.warn({ replica: r.id }, 'a replica stopped heart-beating; releasing its sockets');
      await this.dropReplica(r.id);
    }
  }

  private async dropReplica(id: string): Promise<void> {
    await this.tx.run(async (tx) => {
      const users = await queryRows<{ user_id: string }>(tx.em, `DELETE FROM agent_connections WHERE replica_id = $1 RETURNING user_id`, [id]);
      await tx.em.query(`DELETE FROM replicas WHERE id = $1`, [id]);
      for (const u of users) await this.scheduleGraceIfGone(tx, u.user_id);
    });
  }

  async connected(userId: string): Promise<void> {
    await this.tx.run(async (tx) => {
      await tx.em.query(`INSERT INTO replicas (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [this.replicaId]);
      await tx.em.query(
        `INSERT INTO agent_connections (replica_id, user_id, sockets) VALUES ($1, $2, 1)
         ON CONFLICT (replica_id, user_id) DO UPDATE SET sockets = agent_connections.sockets + 1`,
        [this.replicaId, userId],
      );
      await this.setPresence(tx, userId, null);
    });
  }

  async disconnected(userId: string): Promise<void> {
    await this.tx.run(async (tx) => {
      await tx.em.query(`UPDATE agent_connections SET sockets = sockets - 1 WHERE replica_id = $1 AND user_id = $2 AND sockets > 1`, [this.replicaId, userId]);
      await tx.em.query(`DELETE FROM agent_connections WHERE replica_id = $1 AND user_id = $2 AND sockets = 1`, [this.replicaId, userId]);
      await this.scheduleGraceIfGone(tx, userId);
    });
  }

  /** online | away, by the agent's choice; kept across reconnects. */
  async choose(userId: string, chosen: 'online' | 'away'): Promise<PresenceName> {
    return this.tx.run(async (tx) => {
      await tx.em.query(`INSERT INTO agent_status (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, [userId]);
      await tx.em.query(`UPDATE agent_status SET chosen = $2 WHERE user_id = $1`, [userId, chosen]);
      return this.setPresence(tx, userId, null);
    });
  }

  async presenceOf(userId: string): Promise<PresenceName> {
    const [row] = await this.tx.manager.query(`SELECT presence FROM agent_status WHERE user_id = $1`, [userId]);
    return row?.presence ?? 'offline';
  }

  private async scheduleGraceIfGone(tx: TxContext, userId: string): Promise<void> {
    const [{ n }] = await tx.em.query(`SELECT count(*)::int AS n FROM agent_connections WHERE user_id = $1`, [userId]);
    if (n > 0) return;
    await tx.em.query(`UPDATE agent_status SET changed_at = now() WHERE user_id = $1`, [userId]);
    await this.jobs.sendInTx(tx.em, PRESENCE_GRACE_QUEUE, { userId }, { startAfter: new Date(Date.now() + this.config.presenceGraceSeconds * 1000) });
  }

  /** Runs when a grace period ends: offline only if the agent did not come back meanwhile. */
  async graceExpired(userId: string): Promise<void> {
    const wentOffline = await this.tx.run(async (tx) => {
      const [row] = await tx.em.query(`SELECT presence, changed_at FROM agent_status WHERE user_id = $1 FOR UPDATE`, [userId]);
      if (!row || row.presence === 'offline') return false;
      const [{ n }] = await tx.em.query(`SELECT count(*)::int AS n FROM agent_connections WHERE user_id = $1`, [userId]);
      if (n > 0) return false;
      // A later disconnect scheduled its own job; this one is early for it.
      if (Date.now() - new Date(row.changed_at).getTime() < this.config.presenceGraceSeconds * 1000 - 250) return false;
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
    await tx.em.query(`INSERT INTO agent_status (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, [userId]);
    const [row] = await tx.em.query(
      `SELECT s.presence, s.chosen, EXISTS (SELECT 1 FROM agent_connections c WHERE c.user_id = s.user_id) AS connected
       FROM agent_status s WHERE s.user_id = $1 FOR UPDATE`,
      [userId],
    );
    // Within the grace period an agent without sockets keeps their presence.
    const next: PresenceName = forced ?? (row.connected ? row.chosen : row.presence);
    if (next !== row.presence) {
      await tx.em.query(`UPDATE agent_status SET presence = $2, changed_at = now() WHERE user_id = $1`, [userId, next]);
      tx.emit({ type: 'agent.presence', conversationId: null, payload: { agentId: userId, presence: next, at: new Date().toISOString() } });
    }
    return next;
  }
}
