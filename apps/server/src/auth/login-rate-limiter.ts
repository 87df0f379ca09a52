import { Injectable, Logger } from '@nestjs/common';
import type { RateLimiterPostgres } from 'rate-limiter-flexible';
import { RateLimits, rateLimited } from '@inbox/core';
import { loginDelaySeconds } from './login-delay.util';

/** Failed logins one address may make per window, whichever accounts they aim at (password spraying). */
export const LOGIN_FAILURES_PER_IP = 50;
export const LOGIN_IP_WINDOW_SECONDS = 3600;
/** How long an account's failures are remembered without a success. */
const ACCOUNT_WINDOW_SECONDS = 24 * 3600;

/**
 * Slows password guessing without locking the real user out. Per account: a few free failures,
 * then each attempt waits an exponentially growing, capped delay after the last failure. Per
 * address: a budget of failures across all accounts. Counters live in PostgreSQL, so every
 * replica sees the same ones; checks run before the password hash is computed.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly logger = new Logger(LoginRateLimiter.name);
  private readonly failsByIp: RateLimiterPostgres;
  private readonly failsByAccount: RateLimiterPostgres;
  /** A row blocked for the current delay: `get` says how long is left. */
  private readonly delayByAccount: RateLimiterPostgres;

  constructor(limits: RateLimits) {
    this.failsByIp = limits.store({ prefix: 'login_ip', points: LOGIN_FAILURES_PER_IP, durationSeconds: LOGIN_IP_WINDOW_SECONDS });
    this.failsByAccount = limits.store({ prefix: 'login_acct', points: 1_000_000, durationSeconds: ACCOUNT_WINDOW_SECONDS });
    this.delayByAccount = limits.store({ prefix: 'login_delay', points: 1, durationSeconds: 1 });
  }

  async check(email: string, ip: string): Promise<void> {
    const account = accountKey(email);
    const [byIp, delay] = await Promise.all([this.failsByIp.get(ip), this.delayByAccount.get(account)]);
    if (byIp && byIp.consumedPoints >= LOGIN_FAILURES_PER_IP && byIp.msBeforeNext > 0) {
      this.logger.warn({ event: 'login.limited', reason: 'ip', ip, email: account, retryAfterMs: byIp.msBeforeNext }, 'login refused: too many failures from this address');
      throw rateLimited('too many failed logins from this address; try again later', byIp.msBeforeNext);
    }
    if (delay && delay.consumedPoints > 1 && delay.msBeforeNext > 0) {
      this.logger.warn({ event: 'login.limited', reason: 'account', ip, email: account, retryAfterMs: delay.msBeforeNext }, 'login refused: account is in a back-off delay');
      throw rateLimited('too many failed logins for this account; wait before trying again', delay.msBeforeNext);
    }
  }

  async fail(email: string, ip: string): Promise<void> {
    const account = accountKey(email);
    const [acct, byIp] = await Promise.all([this.failsByAccount.penalty(account, 1), this.failsByIp.penalty(ip, 1)]);
    const delaySeconds = loginDelaySeconds(acct.consumedPoints);
    if (delaySeconds > 0) await this.delayByAccount.block(account, delaySeconds);
    this.logger.warn({ event: 'login.failed', ip, email: account, accountFailures: acct.consumedPoints, ipFailures: byIp.consumedPoints, delaySeconds }, 'login failed');
  }

  async succeed(email: string): Promise<void> {
    const account = accountKey(email);
    await Promise.all([this.failsByAccount.delete(account), this.delayByAccount.delete(account)]);
  }
}

const accountKey = (email: string) => email.trim().toLowerCase().slice(0, 200);
