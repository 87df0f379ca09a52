import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { BurstyRateLimiter, RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { DomainError } from '../errors/domain-error';

export const RATE_LIMIT_TABLE = 'rate_limits';

export interface LimitSpec {
  /** Namespaces the keys in the shared table, e.g. `login_ip`. */
  prefix: string;
  points: number;
  durationSeconds: number;
}

export interface Limiter {
  /** Takes one point for `key`; throws RATE_LIMITED (with retryAfterSeconds) when none is left. */
  take(key: string, message: string): Promise<void>;
}

/**
 * Rate-limit counters shared by every replica, in PostgreSQL (table `rate_limits`, one atomic
 * upsert per hit) through rate-limiter-flexible. PostgreSQL rather than Redis: it is always there
 * (embedded or external), so one code path serves one process and many; Redis stays optional.
 * Each limiter is insured by an in-memory one, so a database hiccup still limits per process
 * instead of failing the request.
 */
@Injectable()
export class RateLimits {
  private cleaner = false;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  store(spec: LimitSpec): RateLimiterPostgres {
    const opts = { keyPrefix: spec.prefix, points: spec.points, duration: spec.durationSeconds };
    // One limiter is enough to sweep expired rows (hourly) for the whole table.
    const clearExpiredByTimeout = !this.cleaner;
    this.cleaner = true;
    return new RateLimiterPostgres({
      ...opts,
      storeClient: this.db,
      storeType: 'typeorm',
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      clearExpiredByTimeout,
      insuranceLimiter: new RateLimiterMemory(opts),
    });
  }

  /** `steady` points per window, plus a `burst` pool for short spikes (a page load, a reconnect storm). */
  bursty(prefix: string, steady: { points: number; durationSeconds: number }, burst: { points: number; durationSeconds: number }): Limiter {
    return wrap(new BurstyRateLimiter(this.store({ prefix, ...steady }), this.store({ prefix: `${prefix}_burst`, ...burst })));
  }
}

function wrap(limiter: Pick<RateLimiterAbstract, 'consume'>): Limiter {
  return {
    async take(key, message) {
      try {
        await limiter.consume(key);
      } catch (rej) {
        if (rej instanceof RateLimiterRes) throw rateLimited(message, rej.msBeforeNext);
        throw rej;
      }
    },
  };
}

export function rateLimited(message: string, msBeforeNext: number): DomainError {
  return new DomainError('RATE_LIMITED', message, { retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)) });
}
