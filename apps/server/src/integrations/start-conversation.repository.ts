import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ChannelKind } from '@inbox/core';

@Injectable()
export class StartConversationRepository {
  /** The contact's address on a channel: a known identity first, else (email) its email field, attached as an identity. */
  async identityFor(em: EntityManager, contactId: string, channel: ChannelKind): Promise<{ identityId: string; address: string } | 'TAKEN' | null> {
    const [known] = await em.query<Array<{ id: string; address: string }>>(
      `SELECT id, address FROM contact_identities WHERE contact_id = $1 AND channel = $2 ORDER BY created_at LIMIT 1`,
      [contactId, channel],
    );
    if (known) return { identityId: known.id, address: known.address };
    if (channel !== 'email') return null;
    const [contact] = await em.query<Array<{ email: string }>>(`SELECT lower(email) AS email FROM contacts WHERE id = $1 AND email IS NOT NULL`, [contactId]);
    if (!contact) return null;
    const [inserted] = await em.query<Array<{ id: string }>>(
      `INSERT INTO contact_identities (contact_id, channel, address) VALUES ($1, 'email', $2) ON CONFLICT (channel, address) DO NOTHING RETURNING id`,
      [contactId, contact.email],
    );
    return inserted ? { identityId: inserted.id, address: contact.email } : 'TAKEN';
  }
}
