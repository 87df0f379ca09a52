import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { RateLimiterRes, type RateLimiterPostgres } from 'rate-limiter-flexible';
import { APP_CONFIG, AccessChanges, AppConfig, DomainError, JobQueue, RateLimits, Transactions, rateLimited, UserRepository, hashToken } from '@inbox/core';
import { PasswordResetRepository } from './password-reset.repository';
import { SystemMailer } from './system-mailer';
import { passwordResetMail, resetMailLocaleOf } from './password-reset-mail';

export const PASSWORD_RESET_MAIL_QUEUE = 'password-reset-mail';
/** How long a link works. */
export const RESET_LINK_TTL_SECONDS = 3600;
/** Requests one address may make per hour, whatever emails they name: beyond it, 429. */
export const RESET_REQUESTS_PER_IP = 10;
/** Mails one account may receive per hour: more requests are answered alike and send nothing (no mail bombing). */
export const RESET_MAILS_PER_ACCOUNT = 3;

/**
 * "Forgot password" by email. A request only files a durable job, whatever the email: the
 * answer and its timing are the same for known and unknown addresses (no user enumeration).
 * The job makes a random link (only its hash is stored), sends it in the user's language, and
 * retries on SMTP trouble with a fresh link. Confirming spends the link, sets the password and
 * ends every session, like a password change.
 */
@Injectable()
export class PasswordResetService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PasswordResetService.name);
  private readonly byIp: RateLimiterPostgres;
  private readonly byAccount: RateLimiterPostgres;

  constructor(
    private readonly tx: Transactions,
    private readonly repo: PasswordResetRepository,
    private readonly users: UserRepository,
    private readonly jobs: JobQueue,
    private readonly mailer: SystemMailer,
    private readonly access: AccessChanges,
    limits: RateLimits,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.byIp = limits.store({ prefix: 'pwreset_ip', points: RESET_REQUESTS_PER_IP, durationSeconds: 3600 });
    this.byAccount = limits.store({ prefix: 'pwreset_acct', points: RESET_MAILS_PER_ACCOUNT, durationSeconds: 3600 });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.define({ name: PASSWORD_RESET_MAIL_QUEUE, retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 60 });
    if (this.config.runWorkers) await this.jobs.work<{ email: string }>(PASSWORD_RESET_MAIL_QUEUE, (job) => this.sendLink(job.data.email), { concurrency: 2 });
  }

  get enabled(): boolean {
    return this.mailer.enabled;
  }

  async request(email: string, ip: string): Promise<void> {
    if (!this.enabled) throw new DomainError('INVALID_STATE', 'password reset by email is off: the server has no SYSTEM_SMTP_URL');
    const byIp = await take(this.byIp, ip);
    if (byIp) {
      this.logger.warn({ event: 'password_reset.limited', ip }, 'password reset refused: too many requests from this address');
      throw rateLimited('too many password reset requests from this address; try again later', byIp.msBeforeNext);
    }
    const account = email.trim().toLowerCase();
    if (await take(this.byAccount, account)) {
      this.logger.warn({ event: 'password_reset.account_limited', ip }, 'password reset not sent: enough mails for this address this hour');
      return;
    }
    await this.jobs.send(PASSWORD_RESET_MAIL_QUEUE, { email: account });
  }

  /** The job: nothing for an unknown or disabled account; otherwise a fresh link, mailed. */
  async sendLink(email: string): Promise<void> {
    const user = await this.repo.recipientByEmail(this.tx.manager, email);
    if (!user) {
      this.logger.log({ event: 'password_reset.unknown' }, 'password reset asked for an address with no active account; nothing sent');
      return;
    }
    const token = randomBytes(32).toString('base64url');
    const id = await this.repo.create(this.tx.manager, user.id, hashToken(token), RESET_LINK_TTL_SECONDS);
    const mail = passwordResetMail(resetMailLocaleOf(user.locale), user.name, `${this.config.publicUrl}/reset-password/${token}`);
    try {
      await this.mailer.send({ to: user.email, ...mail });
    } catch (err) {
      // The link never reached anyone: drop it, the retry makes a new one.
      await this.repo.remove(this.tx.manager, id).catch(() => undefined);
      throw err;
    }
    this.logger.log({ event: 'password_reset.sent', userId: user.id }, 'password reset link sent');
  }

  async confirm(token: string, password: string): Promise<void> {
    const passwordHash = await argon2.hash(password, { type: argon2.argon2id });
    const userId = await this.tx.run(async ({ em }) => {
      const id = await this.repo.consume(em, hashToken(token));
      if (!id) throw new DomainError('VALIDATION_FAILED', 'the reset link is unknown, expired or already used', { fields: { token: ['is unknown, expired or already used'] } });
      await this.repo.retireOthers(em, id);
      await this.users.update(em, id, { passwordHash });
      await this.users.endSessions(em, id);
      return id;
    });
    this.access.publish({ subject: 'user', id: userId, effect: 'ended' });
    this.logger.log({ event: 'password_reset.done', userId }, 'password reset; every session ended');
    await this.repo.purgeOld(this.tx.manager).catch(() => undefined);
  }
}

/** The rejection when `key` has no point left, null when one was taken. */
async function take(limiter: RateLimiterPostgres, key: string): Promise<RateLimiterRes | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (rej) {
    if (rej instanceof RateLimiterRes) return rej;
    throw rej;
  }
}
