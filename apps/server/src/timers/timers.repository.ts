import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** SQL of the conversation timers (snooze wake-ups). */
@Injectable()
export class TimersRepository {
  async lockSnoozed(em: EntityManager, id: string): Promise<{ id: string; inboxId: string; status: string; snoozedUntil: Date | null } | null> {
    const [r] = await em.query<Array<{ id: string; inbox_id: string; status: string; snoozed_until: Date | null }>>(
      `SELECT id, inbox_id, status, snoozed_until FROM conversations WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return r ? { id: r.id, inboxId: r.inbox_id, status: r.status, snoozedUntil: r.snoozed_until } : null;
  }

  async snoozedUntil(em: EntityManager, id: string): Promise<Date | null> {
    const [r] = await em.query<Array<{ snoozed_until: Date | null }>>(`SELECT snoozed_until FROM conversations WHERE id = $1 AND status = 'snoozed'`, [id]);
    return r?.snoozed_until ?? null;
  }

  /** Back to open: to its assignee if it has one, else into the queue (waiting from now if it was not). */
  async wake(em: EntityManager, id: string): Promise<void> {
    await em.query(
      `UPDATE conversations SET status = 'open', snoozed_until = NULL,
         waiting_since = CASE WHEN assignee_id IS NULL THEN coalesce(waiting_since, now()) ELSE waiting_since END, updated_at = now()
       WHERE id = $1 AND status = 'snoozed'`,
      [id],
    );
  }

  /** Snoozes past their time by more than `graceSeconds` (their job was lost): the sweep wakes them. */
  async overdueSnoozes(em: EntityManager, graceSeconds: number): Promise<string[]> {
    const rows = await em.query<Array<{ id: string }>>(
      `SELECT id FROM conversations WHERE status = 'snoozed' AND snoozed_until < now() - make_interval(secs => $1) ORDER BY snoozed_until LIMIT 500`,
      [graceSeconds],
    );
    return rows.map((r) => r.id);
  }
}
