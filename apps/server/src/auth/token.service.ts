import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, AppConfig, BotRepository, DomainError, InboxRepository, InboxTokenCache, Principal, Transactions, UserRepository, hashToken } from '@inbox/core';

/**
 * Turns a bearer credential into a principal: a user JWT, a bot token (`bot_...`)
 * or an inbox token (`inb_...`). Shared by the HTTP guard and the socket handshake.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly tx: Transactions,
    private readonly users: UserRepository,
    private readonly bots: BotRepository,
    private readonly inboxes: InboxRepository,
    private readonly inboxTokens: InboxTokenCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `tv` is the user's token version: bumping it in the database ends every session signed before. */
  sign(user: { id: string; role: string; name: string; tokenVersion: number }): string {
    return this.jwt.sign({ sub: user.id, role: user.role, name: user.name, tv: user.tokenVersion }, { expiresIn: this.config.jwtTtlSeconds });
  }

  /** When an agent token stops working (epoch ms), for sockets to end the session on time; null for other tokens. */
  expiresAt(token: string | undefined | null): number | null {
    if (!token || token.startsWith('bot_') || token.startsWith('inb_')) return null;
    const claims = this.jwt.decode(token) as { exp?: number } | null;
    return claims?.exp ? claims.exp * 1000 : null;
  }

  /**
   * `inboxTokenConfirmedByWrite`: the caller's route checks an inbox token in its own write
   * (AllowInboxToken({ confirmedByWrite: true })), so a token this replica has found before is
   * recognised without a lookup and the principal carries its hash for that check.
   */
  async resolve(token: string | undefined | null, opts: { inboxTokenConfirmedByWrite?: boolean } = {}): Promise<Principal> {
    if (!token) throw new DomainError('UNAUTHENTICATED', 'missing bearer token');
    if (token.startsWith('bot_')) {
      const bot = await this.bots.findActiveByTokenHash(this.tx.manager, hashToken(token));
      if (!bot) throw new DomainError('UNAUTHENTICATED', 'unknown, expired or disabled bot token');
      // Inboxes and scopes are read with the token on every request and socket command: a narrowed bot is narrowed at once.
      return { type: 'bot', id: bot.id, name: bot.name, inboxIds: bot.inboxIds, scopes: bot.scopes };
    }
    if (token.startsWith('inb_')) {
      // A deactivated, deleted or rotated inbox's token must stop at once on every replica: it is read
      // from the database on every request, except where the route's own write checks it (ingest's
      // storing statement reads the inbox row anyway: see InboxTokenCache).
      const tokenHash = hashToken(token);
      const known = opts.inboxTokenConfirmedByWrite ? this.inboxTokens.inboxOf(tokenHash) : undefined;
      if (known) return { type: 'inbox', inboxId: known, unconfirmedTokenHash: tokenHash };
      const inboxId = await this.inboxes.findIdByTokenHash(this.tx.manager, tokenHash);
      if (!inboxId) throw new DomainError('UNAUTHENTICATED', 'unknown or deactivated inbox token');
      this.inboxTokens.remember(tokenHash, inboxId);
      return { type: 'inbox', inboxId };
    }
    let claims: { sub: string; tv?: number };
    try {
      claims = this.jwt.verify(token);
    } catch (err) {
      if ((err as Error).name === 'TokenExpiredError') throw new DomainError('UNAUTHENTICATED', 'token expired: log in again', { reason: 'SESSION_EXPIRED' });
      throw new DomainError('UNAUTHENTICATED', 'invalid token');
    }
    // Role, active flag and token version are read fresh on every request and socket command:
    // a demoted or disabled user, a changed password or "sign out everywhere" take effect at once.
    const user = await this.users.sessionState(this.tx.manager, claims.sub);
    if (!user || !user.active) throw new DomainError('UNAUTHENTICATED', 'user no longer exists or is disabled', { reason: 'SESSION_REVOKED' });
    if ((claims.tv ?? 0) !== user.tokenVersion) throw new DomainError('UNAUTHENTICATED', 'this session was ended: log in again', { reason: 'SESSION_REVOKED' });
    return { type: 'user', id: user.id, role: user.role, name: user.name };
  }
}
