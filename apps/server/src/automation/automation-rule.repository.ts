import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows, settingsPerVersion } from '@inbox/core';
import type { BusinessHours } from '@inbox/business-hours';
import type { RuleAction, RuleCondition, RuleEvent, RuleInput } from './rule-conditions.util';

export interface RuleView extends RuleInput {
  id: string;
  createdAt: string;
  updatedAt: string;
}

/** An automation_rules row (`SELECT *`). */
interface RuleRow {
  id: string;
  name: string;
  enabled: boolean;
  event: RuleEvent;
  conditions: RuleCondition[];
  actions: RuleAction[];
  position: number;
  created_at: Date;
  updated_at: Date;
}

const toView = (r: RuleRow): RuleView => ({
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
    return (await queryRows<RuleRow>(em, `SELECT * FROM automation_rules ORDER BY position, created_at`)).map(toView);
  }

  async get(em: EntityManager, id: string): Promise<RuleView | null> {
    const [r] = await queryRows<RuleRow>(em, `SELECT * FROM automation_rules WHERE id = $1`, [id]);
    return r ? toView(r) : null;
  }

  /** The enabled rules of one event, in order; all enabled rules are read once per transaction. */
  async enabledFor(em: EntityManager, event: RuleEvent): Promise<RuleView[]> {
    const all = await settingsPerVersion(em, 'automation_rules', async () =>
      (await queryRows<RuleRow>(em, `SELECT * FROM automation_rules WHERE enabled ORDER BY position, created_at`)).map(toView),
    );
    return all.filter((r) => r.event === event);
  }

  async create(em: EntityManager, r: RuleInput): Promise<RuleView> {
    const [row] = await queryRows<RuleRow>(
      em,
      `INSERT INTO automation_rules (name, enabled, event, conditions, actions, position) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6) RETURNING *`,
      [r.name, r.enabled, r.event, JSON.stringify(r.conditions), JSON.stringify(r.actions), r.order],
    );
    return toView(row);
  }

  async update(em: EntityManager, id: string, r: RuleInput): Promise<RuleView | null> {
    const rows = await queryRows<RuleRow>(
      em,
      `UPDATE automation_rules SET name = $2, enabled = $3, event = $4, conditions = $5::jsonb, actions = $6::jsonb, position = $7, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, r.name, r.enabled, r.event, JSON.stringify(r.conditions), JSON.stringify(r.actions), r.order],
    );
    return rows[0] ? toView(rows[0]) : null;
  }

  async delete(em: EntityManager, id: string): Promise<boolean> {
    return (await queryRows<{ id: string }>(em, `DELETE FROM automation_rules WHERE id = $1 RETURNING id`, [id])).length > 0;
  }

  /** Claims the run of a rule for one event; false when it ran already (a retry, another replica). */
  async claimRun(em: EntityManager, ruleId: string, eventKey: string, conversationId: string): Promise<boolean> {
    const rows = await queryRows<{ rule_id: string }>(
      em,
      `INSERT INTO automation_runs (rule_id, event_key, conversation_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING rule_id`,
      [ruleId, eventKey, conversationId],
    );
    return rows.length > 0;
  }

  async markFailed(em: EntityManager, ruleId: string, eventKey: string, error: string): Promise<void> {
    await em.query(`UPDATE automation_runs SET outcome = 'failed', error = $3 WHERE rule_id = $1 AND event_key = $2`, [ruleId, eventKey, error.slice(0, 500)]);
  }

  /** The current transaction: a conversation change without its own id is keyed by it. */
  async transactionId(em: EntityManager): Promise<string> {
    const [r] = await queryRows<{ id: string }>(em, `SELECT txid_current()::text AS id`);
    return r.id;
  }

  async facts(em: EntityManager, conversationId: string, messageId: string | null) {
    const [r] = await queryRows<{
      id: string;
      inbox_id: string;
      channel: string;
      team_id: string | null;
      status: string;
      priority: number;
      labels: string[] | null;
      language: string | null;
      subject: string | null;
      email: string | null;
      contact_name: string | null;
      business_hours: BusinessHours | null;
      message_text: string | null;
    }>(
      em,
      `SELECT c.id, c.inbox_id, c.channel, c.team_id, c.status, c.priority, c.labels, coalesce(c.language, ct.language) AS language, c.subject, ct.email, ct.name AS contact_name, t.business_hours,
              (SELECT m.text FROM messages m WHERE m.id = $2) AS message_text
       FROM conversations c JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN teams t ON t.id = c.team_id WHERE c.id = $1`,
      [conversationId, messageId],
    );
    return r
      ? {
          inboxId: r.inbox_id,
          channel: r.channel,
          teamId: r.team_id,
          status: r.status,
          priority: Number(r.priority),
          labels: r.labels ?? [],
          language: r.language,
          subject: r.subject,
          contactEmail: r.email,
          contactName: r.contact_name,
          businessHours: r.business_hours,
          messageText: r.message_text,
        }
      : null;
  }

  async cannedText(em: EntityManager, id: string): Promise<string | null> {
    const [r] = await queryRows<{ text: string }>(em, `SELECT text FROM canned_responses WHERE id = $1`, [id]);
    return r?.text ?? null;
  }

  async teamName(em: EntityManager, id: string): Promise<string | null> {
    const [r] = await queryRows<{ name: string }>(em, `SELECT name FROM teams WHERE id = $1`, [id]);
    return r?.name ?? null;
  }
}
