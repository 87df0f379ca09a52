import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { oncePerTransaction, queryRows } from '@inbox/core';
import type { RuleEvent, RuleInput } from './rule-conditions.util';

export interface RuleView extends RuleInput {
  id: string;
  createdAt: string;
  updatedAt: string;
}

const toView = (r: Record<string, any>): RuleView => ({
  id: r.id,
  name: r.name,
  enabled: r.enabled,
  event: r.event,
  conditions: r.conditions,
  actions: r.actions,
  order: r.position,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** All automation SQL: rules, their runs (one per rule and event), and the facts conditions read. */
@Injectable()
export class AutomationRuleRepository {
  async list(em: EntityManager): Promise<RuleView[]> {
    return (await em.query(`SELECT * FROM automation_rules ORDER BY position, created_at`)).map(toView);
  }

  async get(em: EntityManager, id: string): Promise<RuleView | null> {
    const [r] = await em.query(`SELECT * FROM automation_rules WHERE id = $1`, [id]);
    return r ? toView(r) : null;
  }

  /** The enabled rules of one event, in order; all enabled rules are read once per transaction. */
  async enabledFor(em: EntityManager, event: RuleEvent): Promise<RuleView[]> {
    const all = await oncePerTransaction(em, 'automation_rules', async () =>
      (await queryRows(em, `SELECT * FROM automation_rules WHERE enabled ORDER BY position, created_at`)).map(toView),
    );
    return all.filter((r) => r.event === event);
  }

  async create(em: EntityManager, r: RuleInput): Promise<RuleView> {
    const [row] = await em.query(`INSERT INTO automation_rules (name, enabled, event, conditions, actions, position) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6) RETURNING *`, [
      r.name,
      r.enabled,
      r.event,
      JSON.stringify(r.conditions),
      JSON.stringify(r.actions),
      r.order,
    ]);
    return toView(row);
  }

  async update(em: EntityManager, id: string, r: RuleInput): Promise<RuleView | null> {
    const rows = await queryRows(
      em,
      `UPDATE automation_rules SET name = $2, enabled = $3, event = $4, conditions = $5::jsonb, actions = $6::jsonb, position = $7, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, r.name, r.enabled, r.event, JSON.stringify(r.conditions), JSON.stringify(r.actions), r.order],
    );
    return rows[0] ? toView(rows[0]) : null;
  }

  async delete(em: EntityManager, id: string): Promise<boolean> {
    return (await queryRows(em, `DELETE FROM automation_rules WHERE id = $1 RETURNING id`, [id])).length > 0;
  }

  /** Claims the run of a rule for one event; false when it ran already (a retry, another replica). */
  async claimRun(em: EntityManager, ruleId: string, eventKey: string, conversationId: string): Promise<boolean> {
    const rows = await em.query(`INSERT INTO automation_runs (rule_id, event_key, conversation_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING rule_id`, [
      ruleId,
      eventKey,
      conversationId,
    ]);
    return rows.length > 0;
  }

  async markFailed(em: EntityManager, ruleId: string, eventKey: string, error: string): Promise<void> {
    await em.query(`UPDATE automation_runs SET outcome = 'failed', error = $3 WHERE rule_id = $1 AND event_key = $2`, [ruleId, eventKey, error.slice(0, 500)]);
  }

  /** The current transaction: a conversation change without its own id is keyed by it. */
  async transactionId(em: EntityManager): Promise<string> {
    const [r] = await em.query(`SELECT txid_current()::text AS id`);
    return r.id;
  }

  async facts(em: EntityManager, conversationId: string, messageId: string | null) {
    const [r] = await em.query(
      `SELECT c.id, c.inbox_id, c.channel, c.team_id, c.status, c.priority, c.labels, coalesce(c.language, ct.language) AS language, c.subject, ct.email, ct.name AS contact_name, t.business_hours,
              (SELECT m.text FROM messages m WHERE m.id = $2) AS message_text
       FROM conversations c JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN teams t ON t.id = c.team_id WHERE c.id = $1`,
      [conversationId, messageId],
    );
    return r
      ? {
          inboxId: r.inbox_id as string,
          channel: r.channel as string,
          teamId: r.team_id as string | null,
          status: r.status as string,
          priority: Number(r.priority),
          labels: (r.labels ?? []) as string[],
          language: r.language as string | null,
          subject: r.subject as string | null,
          contactEmail: r.email as string | null,
          contactName: r.contact_name as string | null,
          businessHours: r.business_hours,
          messageText: r.message_text as string | null,
        }
      : null;
  }

  async cannedText(em: EntityManager, id: string): Promise<string | null> {
    const [r] = await em.query(`SELECT text FROM canned_responses WHERE id = $1`, [id]);
    return r?.text ?? null;
  }

  async teamName(em: EntityManager, id: string): Promise<string | null> {
    const [r] = await em.query(`SELECT name FROM teams WHERE id = $1`, [id]);
    return r?.name ?? null;
  }
}
