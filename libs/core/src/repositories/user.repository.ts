import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { prepared, queryRows } from '../db/sql';
import type { UserRole } from '../entities/enums';
import type { UserView } from '@inbox/realtime-contract';

export type { UserView };

/** A row of the users table (`SELECT *`). */
interface UserRow {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  languages: string[] | null;
  skills: string[] | null;
  capacity: Record<string, number> | null;
  locale: string;
  active: boolean;
  created_at: Date;
  password_hash: string;
  token_version: number;
}

const toView = (r: UserRow): UserView => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  languages: r.languages ?? [],
  skills: r.skills ?? [],
  capacity: r.capacity ?? {},
  locale: r.locale,
  active: r.active,
  createdAt: new Date(r.created_at).toISOString(),
});

export type UserFields = Partial<Pick<UserView, 'name' | 'role' | 'languages' | 'skills' | 'capacity' | 'locale' | 'active'>> & { email?: string; passwordHash?: string };

/** Read on every request and socket command of a signed-in user. */
const SESSION_STATE = prepared('user_session_state', `SELECT id, name, role, active, token_version FROM users WHERE id = $1`);

@Injectable()
export class UserRepository {
  async count(em: EntityManager): Promise<number> {
    const [row] = await queryRows<{ n: number }>(em, `SELECT count(*)::int AS n FROM users`);
    return row.n;
  }

  /** Returns null when the email is taken (unique on lower(email)). */
  async create(
    em: EntityManager,
    u: { email: string; name: string; passwordHash: string; role: UserRole; languages?: string[]; skills?: string[]; capacity?: Record<string, number>; locale?: string },
  ): Promise<UserView | null> {
    const rows = await queryRows<UserRow>(
      em,
      `INSERT INTO users (email, name, password_hash, role, languages, skills, capacity, locale) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
       ON CONFLICT ((lower(email))) DO NOTHING RETURNING *`,
      [u.email, u.name, u.passwordHash, u.role, u.languages ?? [], u.skills ?? [], JSON.stringify(u.capacity ?? {}), u.locale ?? 'en'],
    );
    return rows[0] ? toView(rows[0]) : null;
  }

  async get(em: EntityManager, id: string): Promise<UserView | null> {
    const [row] = await queryRows<UserRow>(em, `SELECT * FROM users WHERE id = $1`, [id]);
    return row ? toView(row) : null;
  }

  async credentialsByEmail(em: EntityManager, email: string): Promise<(UserView & { passwordHash: string; tokenVersion: number }) | null> {
    const [row] = await queryRows<UserRow>(em, `SELECT * FROM users WHERE lower(email) = lower($1)`, [email]);
    return row ? { ...toView(row), passwordHash: row.password_hash, tokenVersion: row.token_version } : null;
  }

  /** What every request and socket command re-checks: a session lives only while these still match its token. */
  async sessionState(em: EntityManager, id: string): Promise<{ id: string; name: string; role: UserRole; active: boolean; tokenVersion: number } | null> {
    const [row] = await queryRows<Pick<UserRow, 'id' | 'name' | 'role' | 'active' | 'token_version'>>(em, SESSION_STATE, [id]);
    return row ? { id: row.id, name: row.name, role: row.role, active: row.active, tokenVersion: row.token_version } : null;
  }

  /** Ends every session of the user: tokens carrying an older version stop working at once. */
  async endSessions(em: EntityManager, id: string): Promise<number | null> {
    const [row] = await queryRows<Pick<UserRow, 'token_version'>>(
      em,
      `UPDATE users SET token_version = token_version + 1, updated_at = now() WHERE id = $1 RETURNING token_version`,
      [id],
    );
    return row ? Number(row.token_version) : null;
  }

  async passwordHash(em: EntityManager, id: string): Promise<string | null> {
    const [row] = await queryRows<Pick<UserRow, 'password_hash'>>(em, `SELECT password_hash FROM users WHERE id = $1`, [id]);
    return row?.password_hash ?? null;
  }

  async list(em: EntityManager): Promise<UserView[]> {
    const rows = await queryRows<UserRow>(em, `SELECT * FROM users ORDER BY name, id`);
    return rows.map(toView);
  }

  async update(em: EntityManager, id: string, f: UserFields): Promise<UserView | null> {
    const columns: Record<string, string> = {
      name: 'name',
      role: 'role',
      languages: 'languages',
      skills: 'skills',
      capacity: 'capacity',
      locale: 'locale',
      active: 'active',
      email: 'email',
      passwordHash: 'password_hash',
    };
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [k, v] of Object.entries(f)) {
      if (v === undefined) continue;
      params.push(k === 'capacity' ? JSON.stringify(v) : v);
      sets.push(`${columns[k]} = $${params.length}${k === 'capacity' ? '::jsonb' : ''}`);
    }
    if (sets.length === 0) return this.get(em, id);
    const [row] = await queryRows<UserRow>(em, `UPDATE users SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING *`, params);
    return row ? toView(row) : null;
  }
}
