import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../db/sql';
import type { CsatScale } from './csat-texts';

export interface CsatSettings {
  inboxId: string;
  enabled: boolean;
  scale: CsatScale;
  questions: Partial<Record<string, string>>;
  delaySeconds: number;
  frequencyDays: number;
}

export interface SurveyRow {
  id: string;
  conversationId: string;
  inboxId: string;
  contactId: string;
  channel: string;
  locale: string;
  scale: CsatScale;
  question: string;
  status: 'scheduled' | 'sent' | 'skipped';
  messageId: string | null;
  sentAt: Date | null;
  expiresAt: Date | null;
}

export interface CsatResponseRow {
  conversationId: string;
  rating: number;
  scale: CsatScale;
  comment: string | null;
  firstRatedAt: Date;
  ratedAt: Date;
  agentId: string | null;
  teamId: string | null;
}

/** A csat_settings row (`SELECT *`). */
interface SettingsRow {
  inbox_id: string;
  enabled: boolean;
  scale: CsatScale;
  questions: Partial<Record<string, string>> | null;
  delay_seconds: number;
  frequency_days: number;
}

/** A csat_surveys row (`SELECT *`). */
interface SurveyTableRow {
  id: string;
  conversation_id: string;
  inbox_id: string;
  contact_id: string;
  channel: string;
  locale: string;
  scale: CsatScale;
  question: string;
  status: SurveyRow['status'];
  message_id: string | null;
  sent_at: Date | null;
  expires_at: Date | null;
}

/** A csat_responses row (`SELECT *`). */
interface ResponseTableRow {
  conversation_id: string;
  rating: number;
  scale: CsatScale;
  comment: string | null;
  first_rated_at: Date;
  rated_at: Date;
  agent_id: string | null;
  team_id: string | null;
}

const toSettings = (r: SettingsRow): CsatSettings => ({
  inboxId: r.inbox_id,
  enabled: r.enabled,
  scale: r.scale,
  questions: r.questions ?? {},
  delaySeconds: r.delay_seconds,
  frequencyDays: r.frequency_days,
});

const toSurvey = (r: SurveyTableRow): SurveyRow => ({
  id: r.id,
  conversationId: r.conversation_id,
  inboxId: r.inbox_id,
  contactId: r.contact_id,
  channel: r.channel,
  locale: r.locale,
  scale: r.scale,
  question: r.question,
  status: r.status,
  messageId: r.message_id,
  sentAt: r.sent_at,
  expiresAt: r.expires_at,
});

const toResponse = (r: ResponseTableRow): CsatResponseRow => ({
  conversationId: r.conversation_id,
  rating: Number(r.rating),
  scale: r.scale,
  comment: r.comment,
  firstRatedAt: r.first_rated_at,
  ratedAt: r.rated_at,
  agentId: r.agent_id,
  teamId: r.team_id,
});

@Injectable()
export class CsatRepository {
  async settingsOf(em: EntityManager, inboxId: string): Promise<CsatSettings | null> {
    const [row] = await queryRows<SettingsRow>(em, `SELECT * FROM csat_settings WHERE inbox_id = $1`, [inboxId]);
    return row ? toSettings(row) : null;
  }

  async saveSettings(em: EntityManager, s: CsatSettings): Promise<CsatSettings> {
    const [row] = await queryRows<SettingsRow>(
      em,
      `INSERT INTO csat_settings (inbox_id, enabled, scale, questions, delay_seconds, frequency_days, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, now())
       ON CONFLICT (inbox_id) DO UPDATE SET enabled = EXCLUDED.enabled, scale = EXCLUDED.scale, questions = EXCLUDED.questions,
         delay_seconds = EXCLUDED.delay_seconds, frequency_days = EXCLUDED.frequency_days, updated_at = now()
       RETURNING *`,
      [s.inboxId, s.enabled, s.scale, JSON.stringify(s.questions), s.delaySeconds, s.frequencyDays],
    );
    return toSettings(row);
  }

  /** What a survey needs to know about the conversation it asks about. */
  async conversationForSurvey(em: EntityManager, conversationId: string) {
    const [row] = await queryRows<{ id: string; inbox_id: string; contact_id: string; channel: string; status: string; language: string | null; contact_language: string | null }>(
      em,
      `SELECT c.id, c.inbox_id, c.contact_id, c.channel, c.status, c.language, ct.language AS contact_language
       FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = $1`,
      [conversationId],
    );
    return row
      ? {
          inboxId: row.inbox_id,
          contactId: row.contact_id,
          channel: row.channel,
          status: row.status,
          language: row.language,
          contactLanguage: row.contact_language,
        }
      : null;
  }

  /** Whether this contact was already asked within the last `days` days (the "do not ask again" rule). */
  async askedRecently(em: EntityManager, contactId: string, days: number): Promise<boolean> {
    const [row] = await queryRows<{ one: number }>(
      em,
      `SELECT 1 AS one FROM csat_surveys WHERE contact_id = $1 AND status <> 'skipped' AND coalesce(sent_at, created_at) > now() - make_interval(days => $2) LIMIT 1`,
      [contactId, days],
    );
    return Boolean(row);
  }

  /** One survey per conversation, ever (unique index): resolving again does not ask again. Null when one exists. */
  async insertSurvey(em: EntityManager, s: Omit<SurveyRow, 'id' | 'status' | 'messageId' | 'sentAt' | 'expiresAt'>): Promise<string | null> {
    const rows = await queryRows<{ id: string }>(
      em,
      `INSERT INTO csat_surveys (conversation_id, inbox_id, contact_id, channel, locale, scale, question)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (conversation_id) DO NOTHING RETURNING id`,
      [s.conversationId, s.inboxId, s.contactId, s.channel, s.locale, s.scale, s.question],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * The survey a chat reply may answer: the sender's latest conversation in this inbox thread,
   * when it is resolved, no conversation of the thread is open, and its survey was sent. Walks
   * from the sender's identity (unique) to their conversations (indexed by contact), so only the
   * customer who was asked can answer, and an ordinary message costs one indexed lookup.
   */
  async surveyAwaitingReply(em: EntityManager, w: { inboxId: string; channel: string; address: string; threadKey: string }): Promise<string | null> {
    const [row] = await queryRows<{ status: string; survey_id: string | null }>(
      em,
      `SELECT c.status, s.id AS survey_id
       FROM contact_identities ci
       JOIN conversations c ON c.contact_id = ci.contact_id AND c.inbox_id = $3 AND c.thread_key = $4
       LEFT JOIN csat_surveys s ON s.conversation_id = c.id AND s.status = 'sent'
       WHERE ci.channel = $1 AND ci.address = $2
         AND NOT EXISTS (SELECT 1 FROM conversations o WHERE o.inbox_id = $3 AND o.thread_key = $4 AND o.status <> 'resolved')
       ORDER BY c.created_at DESC, c.id DESC
       LIMIT 1`,
      [w.channel, w.address, w.inboxId, w.threadKey],
    );
    return row?.status === 'resolved' ? row.survey_id : null;
  }

  async lockSurvey(em: EntityManager, id: string): Promise<SurveyRow | null> {
    const [row] = await queryRows<SurveyTableRow>(em, `SELECT * FROM csat_surveys WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toSurvey(row) : null;
  }

  async surveyOfConversation(em: EntityManager, conversationId: string): Promise<SurveyRow | null> {
    const [row] = await queryRows<SurveyTableRow>(em, `SELECT * FROM csat_surveys WHERE conversation_id = $1`, [conversationId]);
    return row ? toSurvey(row) : null;
  }

  async markSent(em: EntityManager, id: string, messageId: string, windowSeconds: number): Promise<void> {
    await em.query(`UPDATE csat_surveys SET status = 'sent', message_id = $2, sent_at = now(), expires_at = now() + make_interval(secs => $3) WHERE id = $1`, [
      id,
      messageId,
      windowSeconds,
    ]);
  }

  async markSkipped(em: EntityManager, id: string): Promise<void> {
    await em.query(`UPDATE csat_surveys SET status = 'skipped' WHERE id = $1 AND status = 'scheduled'`, [id]);
  }

  async responseOf(em: EntityManager, conversationId: string): Promise<CsatResponseRow | null> {
    const [row] = await queryRows<ResponseTableRow>(em, `SELECT * FROM csat_responses WHERE conversation_id = $1`, [conversationId]);
    return row ? toResponse(row) : null;
  }

  /** Insert or replace the conversation's one rating; `first_rated_at` stays the first answer's time. */
  async upsertResponse(
    em: EntityManager,
    r: {
      surveyId: string;
      conversationId: string;
      inboxId: string;
      teamId: string | null;
      agentId: string | null;
      channel: string;
      scale: CsatScale;
      rating: number;
      comment: string | null;
    },
  ): Promise<CsatResponseRow> {
    const [row] = await queryRows<ResponseTableRow>(
      em,
      `INSERT INTO csat_responses (survey_id, conversation_id, inbox_id, team_id, agent_id, channel, scale, rating, comment)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (conversation_id) DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment, rated_at = now()
       RETURNING *`,
      [r.surveyId, r.conversationId, r.inboxId, r.teamId, r.agentId, r.channel, r.scale, r.rating, r.comment],
    );
    return toResponse(row);
  }

  /** The survey message carries its answer, so the widget shows it after a reload. */
  async setSurveyAnswer(em: EntityManager, messageId: string, rating: number, comment: string | null): Promise<void> {
    await em.query(
      `UPDATE messages SET metadata = jsonb_set(jsonb_set(metadata, '{csat,rating}', to_jsonb($2::int)), '{csat,comment}', coalesce(to_jsonb($3::text), 'null'::jsonb)) WHERE id = $1`,
      [messageId, rating, comment],
    );
  }
}
