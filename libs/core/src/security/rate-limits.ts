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

  /** A shared budget that stays off the request's path while a key is far from its limit (see SharedBudget). */
  budget(spec: LimitSpec): SharedBudget {
    return new SharedBudget(this.store(spec), spec.points);
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

export interface Spend {
  refused: boolean;
  /** The budget's points per window. */
  limit: number;
  /** Points left in the window (as this replica knows them). */
  remaining: number;
  msBeforeNext: number;
}

interface KeyState {
  /** The shared counter as of the last answer from PostgreSQL (every replica's hits). */
  consumed: number;
  /** This replica's hits not yet added to the shared counter. */
  pending: number;
  resetAt: number;
  syncedAt: number;
}

/** How often a replica adds its counted hits to the shared counters. */
const SYNC_MS = 100;
/** A key whose shared count is older than this is checked against PostgreSQL again. */
const STALE_MS = 1000;

/**
 * A per-window budget shared by every replica (the PostgreSQL counter of `RateLimits.store`) that
 * costs the request nothing while the key is far from its limit: hits are counted in memory and
 * added to the shared counter in one upsert per key every 100 ms (as Kong's rate-limiting plugin
 * does with `sync_rate`); a request waits for PostgreSQL only when the key is new, its count is
 * stale (over a second), fewer than `headroom` points (10% of the budget, at least 20) are left,
 * or half the headroom is counted here and not yet shared. Such a hit carries this replica's
 * unsynced hits with it, so one replica never lets more than the limit through, and several can
 * overshoot only by what the others spent since this one last heard from PostgreSQL (a sync
 * interval while the key is busy) beyond the headroom. A client at 100 requests a second thus
 * costs about 10 upserts a second instead of 100.
 */
export class SharedBudget {
  private readonly keys = new Map<string, KeyState>();
  private readonly headroom: number;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly shared: RateLimiterAbstract,
    readonly points: number,
  ) {
    this.headroom = Math.max(20, Math.ceil(points * 0.1));
  }

  async spend(key: string): Promise<Spend> {
    const now = Date.now();
    const st = this.keys.get(key);
    // Unsynced hits stay under half the headroom, so what other replicas have not seen of this one is bounded too.
    if (st && now < st.resetAt && now - st.syncedAt < STALE_MS && st.pending < this.headroom / 2 && this.points - st.consumed - st.pending > this.headroom) {
      st.pending++;
      this.schedule();
      return { refused: false, limit: this.points, remaining: this.points - st.consumed - st.pending, msBeforeNext: st.resetAt - now };
    }
    // Unknown, stale or near the limit: this hit (with this replica's unsynced ones) goes to PostgreSQL now.
    const carried = st && now < st.resetAt ? st.pending : 0;
    if (st) st.pending = 0;
    let answer: { res: RateLimiterRes; refused: boolean };
    try {
      answer = await this.consume(key, 1 + carried);
    } catch (err) {
      // Not counted anywhere: the carried hits wait for the next sync.
      if (st) st.pending += carried;
      throw err;
    }
    const { res, refused } = answer;
    this.learn(key, res);
    return { refused, limit: this.points, remaining: Math.max(0, res.remainingPoints), msBeforeNext: res.msBeforeNext };
  }

  /** Adds every unsynced hit to the shared counters now (shutdown, tests). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushing;
    this.flushing = this.sync().finally(() => (this.flushing = null));
    await this.flushing;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, SYNC_MS);
    this.timer.unref();
  }

  private async sync(): Promise<void> {
    const now = Date.now();
    const work: Array<Promise<void>> = [];
    for (const [key, st] of this.keys) {
      if (st.pending === 0) {
        if (now >= st.resetAt) this.keys.delete(key);
        continue;
      }
      const n = st.pending;
      st.pending = 0;
      work.push(
        this.consume(key, n).then(
          ({ res }) => this.learn(key, res),
          () => {
            // PostgreSQL unreachable (the insurance limiter answers requests meanwhile): keep the hits for the next sync.
            st.pending += n;
          },
        ),
      );
    }
    await Promise.all(work);
    if ([...this.keys.values()].some((k) => k.pending > 0)) this.schedule();
  }

  private async consume(key: string, points: number): Promise<{ res: RateLimiterRes; refused: boolean }> {
    try {
      return { res: await this.shared.consume(key, points), refused: false };
    } catch (rej) {
      if (rej instanceof RateLimiterRes) return { res: rej, refused: true };
      throw rej;
    }
  }

  private learn(key: string, res: RateLimiterRes): void {
    const at = Date.now();
    const resetAt = at + res.msBeforeNext;
    const st = this.keys.get(key);
    if (!st) {
      this.keys.set(key, { consumed: res.consumedPoints, pending: 0, resetAt, syncedAt: at });
      return;
    }
    // Answers may arrive out of order: within one window the counter only grows.
    const sameWindow = resetAt < st.resetAt + 1000 && at < st.resetAt;
    st.consumed = sameWindow ? Math.max(st.consumed, res.consumedPoints) : res.consumedPoints;
    st.resetAt = sameWindow ? Math.max(st.resetAt, resetAt) : resetAt;
    st.syncedAt = at;
  }
}
