import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '@inbox/core';
import type { PresenceName } from '@inbox/realtime-contract';

/** All presence SQL: replicas' heartbeats, live socket counts per replica and agent, and agent status rows. */
@Injectable()
export class PresenceRepository {
  async registerReplica(em: EntityManager, replicaId: string): Promise<void> {
    await em.query(`INSERT INTO replicas (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`, [replicaId]);
  }

  async ensureReplica(em: EntityManager, replicaId: string): Promise<void> {
    await em.query(`INSERT INTO replicas (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [replicaId]);
  }

  async heartbeat(em: EntityManager, replicaId: string): Promise<void> {
    await em.query(`UPDATE replicas SET heartbeat_at = now() WHERE id = $1`, [replicaId]);
  }

  async deadReplicas(em: EntityManager, silentForSeconds: number): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(em, `SELECT id FROM replicas WHERE heartbeat_at < now() - make_interval(secs => $1)`, [silentForSeconds]);
    return rows.map((r) => r.id);
  }

  /** Forgets a replica and its sockets; returns the agents who had sockets there. */
  async dropReplica(em: EntityManager, replicaId: string): Promise<string[]> {
    const users = await queryRows<{ user_id: string }>(em, `DELETE FROM agent_connections WHERE replica_id = $1 RETURNING user_id`, [replicaId]);
    await em.query(`DELETE FROM replicas WHERE id = $1`, [replicaId]);
    return users.map((u) => u.user_id);
  }

  async addSocket(em: EntityManager, replicaId: string, userId: string): Promise<void> {
    await em.query(
      `INSERT INTO agent_connections (replica_id, user_id, sockets) VALUES ($1, $2, 1)
       ON CONFLICT (replica_id, user_id) DO UPDATE SET sockets = agent_connections.sockets + 1`,
      [replicaId, userId],
    );
  }

  async removeSocket(em: EntityManager, replicaId: string, userId: string): Promise<void> {
    await em.query(`UPDATE agent_connections SET sockets = sockets - 1 WHERE replica_id = $1 AND user_id = $2 AND sockets > 1`, [replicaId, userId]);
    await em.query(`DELETE FROM agent_connections WHERE replica_id = $1 AND user_id = $2 AND sockets = 1`, [replicaId, userId]);
  }

  async connectedSockets(em: EntityManager, userId: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(em, `SELECT count(*)::int AS n FROM agent_connections WHERE user_id = $1`, [userId]);
    return row.n;
  }

  async ensureStatus(em: EntityManager, userId: string): Promise<void> {
    await em.query(`INSERT INTO agent_status (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, [userId]);
  }

  async setChosen(em: EntityManager, userId: string, chosen: 'online' | 'away'): Promise<void> {
    await em.query(`UPDATE agent_status SET chosen = $2 WHERE user_id = $1`, [userId, chosen]);
  }

  async presenceOf(em: EntityManager, userId: string): Promise<PresenceName> {
    const [row] = await queryRows<{ presence: PresenceName }>(em, `SELECT presence FROM agent_status WHERE user_id = $1`, [userId]);
    return row?.presence ?? 'offline';
  }

  /** The grace period starts now for an agent whose last socket closed. */
  async markChanged(em: EntityManager, userId: string): Promise<void> {
    await em.query(`UPDATE agent_status SET changed_at = now() WHERE user_id = $1`, [userId]);
  }

  /** The status row, locked: presence changes of one agent are serialised. */
  async lockStatus(em: EntityManager, userId: string): Promise<{ presence: PresenceName; chosen: PresenceName; changedAt: Date; connected: boolean } | null> {
    const [row] = await queryRows<{ presence: PresenceName; chosen: PresenceName; changed_at: string; connected: boolean }>(
      em,
      `SELECT s.presence, s.chosen, s.changed_at, EXISTS (SELECT 1 FROM agent_connections c WHERE c.user_id = s.user_id) AS connected
       FROM agent_status s WHERE s.user_id = $1 FOR UPDATE`,
      [userId],
    );
    return row ? { presence: row.presence, chosen: row.chosen, changedAt: new Date(row.changed_at), connected: row.connected } : null;
  }

  async setPresence(em: EntityManager, userId: string, presence: PresenceName): Promise<void> {
    await em.query(`UPDATE agent_status SET presence = $2, changed_at = now() WHERE user_id = $1`, [userId, presence]);
  }
}
