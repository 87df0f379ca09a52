import { Inject, Injectable, Logger } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { APP_CONFIG, AccessChanges, AppConfig, DomainError, Transactions, UserRepository, UserView } from '@inbox/core';
import { TokenService } from './token.service';

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  // Verifying against a real hash when the email is unknown keeps response times alike.
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly tx: Transactions,
    private readonly users: UserRepository,
    private readonly tokens: TokenService,
    private readonly access: AccessChanges,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  hashPassword(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  async login(email: string, password: string): Promise<{ accessToken: string; user: UserView }> {
    const user = await this.users.credentialsByEmail(this.tx.manager, email);
    if (!user) {
      this.dummyHash ??= this.hashPassword(randomBytes(16).toString('hex'));
      await argon2.verify(await this.dummyHash, password).catch(() => false);
      throw new DomainError('INVALID_CREDENTIALS', 'email or password is wrong');
    }
    const ok = await argon2.verify(user.passwordHash, password).catch(() => false);
    if (!ok) throw new DomainError('INVALID_CREDENTIALS', 'email or password is wrong');
    if (!user.active) throw new DomainError('INVALID_CREDENTIALS', 'this account is disabled');
    const { passwordHash: _omit, tokenVersion, ...view } = user;
    return { accessToken: this.tokens.sign({ ...view, tokenVersion }), user: view };
  }

  /**
   * Self-service password change: needs the current password, ends every other session
   * (other browsers, open sockets) and returns a fresh token for this one.
   */
  async changePassword(userId: string, currentPassword: string, newPassword: string): Promise<{ accessToken: string }> {
    const hash = await this.users.passwordHash(this.tx.manager, userId);
    if (!hash || !(await argon2.verify(hash, currentPassword).catch(() => false))) {
      throw new DomainError('VALIDATION_FAILED', 'the current password is wrong', { fields: { currentPassword: ['is wrong'] } });
    }
    if (currentPassword === newPassword)
      throw new DomainError('VALIDATION_FAILED', 'the new password must differ from the current one', { fields: { newPassword: ['must differ from the current password'] } });
    const passwordHash = await this.hashPassword(newPassword);
    const state = await this.tx.run(async ({ em }) => {
      await this.users.update(em, userId, { passwordHash });
      await this.users.endSessions(em, userId);
      return this.users.sessionState(em, userId);
    });
    this.access.publish({ subject: 'user', id: userId, effect: 'ended' });
    this.logger.log({ userId }, 'password changed; other sessions ended');
    return { accessToken: this.tokens.sign(state!) };
  }

  /** Every other session ends; the caller continues with the token returned. */
  async endOtherSessions(userId: string): Promise<{ accessToken: string }> {
    await this.endSessions(userId);
    const state = await this.users.sessionState(this.tx.manager, userId);
    if (!state) throw new DomainError('USER_NOT_FOUND', `user ${userId} not found`);
    return { accessToken: this.tokens.sign(state) };
  }

  /** "Sign out everywhere": every token of the user stops working and open sockets close. */
  async endSessions(userId: string): Promise<void> {
    const version = await this.users.endSessions(this.tx.manager, userId);
    if (version === null) throw new DomainError('USER_NOT_FOUND', `user ${userId} not found`);
    this.access.publish({ subject: 'user', id: userId, effect: 'ended' });
    this.logger.log({ userId }, 'all sessions ended');
  }

  /**
   * First start with no users: creates the admin from ADMIN_EMAIL/ADMIN_PASSWORD, or with a
   * generated password. Returns the password to print once (null when it was given or exists).
   */
  async ensureAdmin(): Promise<{ email: string; generatedPassword: string | null; created: boolean }> {
    const email = this.config.adminEmail;
    if ((await this.users.count(this.tx.manager)) > 0) return { email, generatedPassword: null, created: false };
    const generated = this.config.adminPassword ? null : randomBytes(12).toString('base64url');
    const password = this.config.adminPassword ?? generated!;
    const created = await this.users.create(this.tx.manager, { email, name: 'Admin', passwordHash: await this.hashPassword(password), role: 'admin' });
    // Another replica may have created it first (unique email): then its password is the one printed there.
    if (!created) return { email, generatedPassword: null, created: false };
    this.logger.log({ email }, 'created the first admin user');
    return { email, generatedPassword: generated, created: true };
  }
}
