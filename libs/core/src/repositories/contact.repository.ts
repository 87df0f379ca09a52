import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { affectedRows, queryRows } from '../db/sql';
import type { ChannelKind } from '../entities/enums';
import type { VisitorInfo } from '@inbox/realtime-contract';
import type { ContactView } from '@inbox/realtime-contract';

export interface ContactDetails {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  language?: string | null;
}

export type { ContactView };

/** A contacts row with its identities aggregated (`SELECT c.*, ... AS identities`). */
interface ContactRow {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  language: string | null;
  notes: string | null;
  labels: string[] | null;
  created_at: Date;
  identities: ContactView['identities'];
  /** bigint: pg returns it as a string. */
  number: string;
  visitor: VisitorInfo | null;
}

/**
 * Whether contact `alias` lacks a detail the parameters (name, email, phone, language) carry: what
 * `fillMissing` fills, and what the one-round-trip ingest refuses to store alone.
 */
export const lacksDetails = (alias: string, [name, email, phone, language]: [string, string, string, string]) =>
  `((${alias}.name IS NULL AND ${name}::text IS NOT NULL) OR (${alias}.email IS NULL AND ${email}::text IS NOT NULL) OR (${alias}.phone IS NULL AND ${phone}::text IS NOT NULL) OR (${alias}.language IS NULL AND ${language}::text IS NOT NULL))`;

@Injectable()
export class ContactRepository {
  /**
   * Resolves a channel identity to its contact, creating both when new. Race-free:
   * concurrent first messages of one sender wait on the unique (channel, address)
   * and then read the winner's row. The contact FK is deferred, so the identity
   * can claim a fresh contact id before that contact row is written.
   */
  async resolveIdentity(em: EntityManager, channel: ChannelKind, address: string, details: ContactDetails): Promise<{ contactId: string; identityId: string; created: boolean }> {
    const existing = await this.identityOf(em, channel, address);
    if (existing) return { ...existing, created: false };
    const inserted = await queryRows<{ id: string; contact_id: string }>(
      em,
      `INSERT INTO contact_identities (contact_id, channel, address) VALUES (gen_random_uuid(), $1, $2)
       ON CONFLICT (channel, address) DO NOTHING RETURNING id, contact_id`,
      [channel, address],
    );
    if (inserted.length === 0) {
      const winner = await this.identityOf(em, channel, address);
      if (!winner) throw new Error(`identity ${channel}:${address} vanished during ingest`);
      return { ...winner, created: false };
    }
    const contactId = inserted[0].contact_id;
    const identityId = inserted[0].id;
    await em.query(`INSERT INTO contacts (id, name, email, phone, language) VALUES ($1, $2, $3, $4, $5)`, [
      contactId,
      details.name ?? null,
      details.email ?? null,
      details.phone ?? null,
      details.language ?? null,
    ]);
    return { contactId, identityId, created: true };
  }

  private async identityOf(em: EntityManager, channel: ChannelKind, address: string): Promise<{ contactId: string; identityId: string } | null> {
    const [row] = await queryRows<{ id: string; contact_id: string }>(em, `SELECT id, contact_id FROM contact_identities WHERE channel = $1 AND address = $2`, [channel, address]);
    return row ? { contactId: row.contact_id, identityId: row.id } : null;
  }

  /**
   * Completes an existing contact with details a channel now knows. Callers take the
   * conversation's row lock first: routing locks conversation then contact, and the same
   * order everywhere is what keeps the two from deadlocking.
   */
  /** Whether it changed the contact. */
  async fillMissing(em: EntityManager, contactId: string, d: ContactDetails): Promise<boolean> {
    if (!d.name && !d.email && !d.phone && !d.language) return false;
    return (
      (await affectedRows(
        em,
        `UPDATE contacts SET name = coalesce(name, $2), email = coalesce(email, $3), phone = coalesce(phone, $4), language = coalesce(language, $5), updated_at = now()
       WHERE id = $1 AND ${lacksDetails('contacts', ['$2', '$3', '$4', '$5'])}`,
        [contactId, d.name ?? null, d.email ?? null, d.phone ?? null, d.language ?? null],
      )) > 0
    );
  }

  async get(em: EntityManager, id: string): Promise<ContactView | null> {
    const [row] = await queryRows<ContactRow>(
      em,
      `SELECT c.*, coalesce((SELECT json_agg(json_build_object('id', i.id, 'channel', i.channel, 'address', i.address) ORDER BY i.created_at)
         FROM contact_identities i WHERE i.contact_id = c.id), '[]') AS identities
       FROM contacts c WHERE c.id = $1 AND c.merged_into_id IS NULL`,
      [id],
    );
    return row ? this.toView(row) : null;
  }

  /** `visibleToUserId`: only contacts with a conversation in one of that agent's inboxes; `inboxIds`: in one of those inboxes (scoped bots). */
  async list(
    em: EntityManager,
    q: { search?: string; limit: number; cursor?: { createdAt: string; id: string }; visibleToUserId?: string; inboxIds?: string[] },
  ): Promise<ContactView[]> {
    const params: unknown[] = [q.limit];
    const where = ['c.merged_into_id IS NULL'];
    if (q.visibleToUserId) {
      params.push(q.visibleToUserId);
      where.push(`EXISTS (SELECT 1 FROM conversations cv JOIN inbox_members im ON im.inbox_id = cv.inbox_id AND im.user_id = $${params.length} WHERE cv.contact_id = c.id)`);
    }
    if (q.inboxIds) {
      params.push(q.inboxIds);
      where.push(`EXISTS (SELECT 1 FROM conversations cv WHERE cv.contact_id = c.id AND cv.inbox_id = ANY($${params.length}::uuid[]))`);
    }
    if (q.search) {
      params.push(`%${q.search.replace(/[%_\\]/g, (m) => '\\' + m)}%`);
      // "#1234" (or "Visitor #1234" in any language) finds the contact by its number.
      const number = /(?:#|№|\bn\.?\s?[°º]|\bn\.)\s*(\d{1,15})\s*$/i.exec(q.search)?.[1];
      params.push(number ?? null);
      where.push(`(c.name ILIKE $${params.length - 1} OR c.email ILIKE $${params.length - 1} OR c.phone ILIKE $${params.length - 1}
        OR EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id AND i.address ILIKE $${params.length - 1}) OR c.number = $${params.length}::bigint)`);
    }
    if (q.cursor) {
      params.push(q.cursor.createdAt, q.cursor.id);
      where.push(`(c.created_at, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const rows = await queryRows<ContactRow>(
      em,
      `SELECT c.*, coalesce((SELECT json_agg(json_build_object('id', i.id, 'channel', i.channel, 'address', i.address) ORDER BY i.created_at)
         FROM contact_identities i WHERE i.contact_id = c.id), '[]') AS identities
       FROM contacts c WHERE ${where.join(' AND ')} ORDER BY c.created_at DESC, c.id DESC LIMIT $1`,
      params,
    );
    return rows.map((r) => this.toView(r));
  }

  async update(em: EntityManager, id: string, d: ContactDetails & { notes?: string | null; labels?: string[] }): Promise<void> {
    await em.query(
      `UPDATE contacts SET name = CASE WHEN $2 THEN $3 ELSE name END, email = CASE WHEN $4 THEN $5 ELSE email END,
         phone = CASE WHEN $6 THEN $7 ELSE phone END, notes = CASE WHEN $8 THEN $9 ELSE notes END,
         labels = CASE WHEN $10 THEN $11::text[] ELSE labels END, updated_at = now() WHERE id = $1`,
      [
        id,
        d.name !== undefined,
        d.name ?? null,
        d.email !== undefined,
        d.email ?? null,
        d.phone !== undefined,
        d.phone ?? null,
        d.notes !== undefined,
        d.notes ?? null,
        d.labels !== undefined,
        d.labels ?? [],
      ],
    );
  }

  /** Moves identities and conversations of `sourceId` onto `targetId`; the source stays as a tombstone pointing at the target. */
  async merge(em: EntityManager, targetId: string, sourceId: string): Promise<void> {
    await em.query(`SELECT id FROM contacts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [[targetId, sourceId]]);
    await em.query(`UPDATE contact_identities SET contact_id = $1 WHERE contact_id = $2`, [targetId, sourceId]);
    await em.query(`UPDATE conversations SET contact_id = $1, updated_at = now() WHERE contact_id = $2`, [targetId, sourceId]);
    await em.query(`UPDATE messages SET author_id = $1 WHERE author_type = 'contact' AND author_id = $2`, [targetId, sourceId]);
    await em.query(
      `UPDATE contacts t SET name = coalesce(t.name, s.name), email = coalesce(t.email, s.email), phone = coalesce(t.phone, s.phone),
         language = coalesce(t.language, s.language), labels = ARRAY(SELECT DISTINCT unnest(t.labels || s.labels)),
         notes = CASE WHEN s.notes IS NULL THEN t.notes WHEN t.notes IS NULL THEN s.notes ELSE t.notes || E'\\n\\n' || s.notes END,
         updated_at = now()
       FROM contacts s WHERE t.id = $1 AND s.id = $2`,
      [targetId, sourceId],
    );
    await em.query(`UPDATE contacts SET merged_into_id = $1, updated_at = now() WHERE id = $2`, [targetId, sourceId]);
  }

  private toView(r: ContactRow): ContactView {
    return {
      id: r.id,
      name: r.name,
      email: r.email,
      phone: r.phone,
      language: r.language,
      notes: r.notes,
      labels: r.labels ?? [],
      createdAt: new Date(r.created_at).toISOString(),
      identities: r.identities,
      number: Number(r.number),
      visitor: r.visitor ?? null,
    };
  }
}
