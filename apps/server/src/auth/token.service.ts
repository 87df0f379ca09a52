import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, AppConfig, BotRepository, DomainError, InboxRepository, Principal, Transactions, UserRepository, hashToken } from '@inbox/core';

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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  sign(user: { id: string; role: string; name: string }): string {
    return this.jwt.sign({ sub: user.id, role: user.role, name: user.name }, { secret: this.config.jwtSecret, expiresIn: this.config.jwtTtlSeconds });
  }

  async resolve(token: string | undefined | null): Promise<Principal> {
    if (!token) throw new DomainError('UNAUTHENTICATED', 'missing bearer token');
    if (token.startsWith('bot_')) {
      const bot = await this.bots.findActiveByTokenHash(this.tx.manager, hashToken(token));
      if (!bot) throw new DomainError('UNAUTHENTICATED', 'unknown or disabled bot token');
      return { type: 'bot', id: bot.id, name: bot.name };
    }
    if (token.startsWith('inb_')) {
      // Read on every request, never cached: a deactivated, deleted or rotated inbox's token must stop at
      // once on every replica, and the lookup is one unique-index probe (no cheaper than re-validating a cache).
      const inboxId = await this.inboxes.findIdByTokenHash(this.tx.manager, hashToken(token));
      if (!inboxId) throw new DomainError('UNAUTHENTICATED', 'unknown or deactivated inbox token');
      return { type: 'inbox', inboxId };
    }
    let claims: { sub: string };
    try {
      claims = this.jwt.verify(token, { secret: this.config.jwtSecret });
    } catch (err) {
      throw new DomainError('UNAUTHENTICATED', (err as Error).name === 'TokenExpiredError' ? 'token expired: log in again' : 'invalid token');
    }
    // Role and active flag are read fresh so a demoted or disabled user loses access at once.
    const user = await this.users.get(this.tx.manager, claims.sub);
    if (!user || !user.active) throw new DomainError('UNAUTHENTICATED', 'user no longer exists or is disabled');
    return { type: 'user', id: user.id, role: user.role, name: user.name };
  }
}
