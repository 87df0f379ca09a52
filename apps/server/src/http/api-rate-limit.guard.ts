import { BeforeApplicationShutdown, CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { APP_CONFIG, AppConfig, PUBLIC_KEY, RateLimits, SharedBudget, Spend, hashToken, rateLimited } from '@inbox/core';

const WINDOW_SECONDS = 60;

/**
 * Rate limits on every REST route, shared by all replicas (counters in PostgreSQL through
 * rate-limiter-flexible, like the login and widget limits). An authenticated request spends one
 * point of its token's budget (agent JWT, bot token; inbox tokens get the larger ingest budget)
 * and one of its address's; a request without a token spends its address's (public webhook
 * routes from the ingest budget, sized for a platform's bursts). Answers carry X-RateLimit-*;
 * a 429 carries Retry-After through the error filter. Runs before authentication, so a flood of
 * bad tokens is limited too.
 *
 * The counters are SharedBudgets: while a token or address is far from its limit its hits are
 * counted in memory and added to PostgreSQL every 100 ms, so a busy API client does not pay two
 * upserts and commits per request (they were half of an ingest's database work); near the limit
 * each hit is checked against the shared counter, exactly as before.
 */
@Injectable()
export class ApiRateLimitGuard implements CanActivate, BeforeApplicationShutdown {
  private readonly perToken: SharedBudget;
  private readonly perIngestToken: SharedBudget;
  private readonly perIp: SharedBudget;
  private readonly perIpPublic: SharedBudget;

  constructor(
    private readonly reflector: Reflector,
    limits: RateLimits,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.perToken = limits.budget({ prefix: 'api_token', points: config.rateLimitPerMinute, durationSeconds: WINDOW_SECONDS });
    this.perIngestToken = limits.budget({ prefix: 'api_ingest', points: config.rateLimitIngestPerMinute, durationSeconds: WINDOW_SECONDS });
    this.perIp = limits.budget({ prefix: 'api_ip', points: config.rateLimitIpPerMinute, durationSeconds: WINDOW_SECONDS });
    this.perIpPublic = limits.budget({ prefix: 'api_public_ip', points: config.rateLimitIngestPerMinute, durationSeconds: WINDOW_SECONDS });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.perToken, this.perIngestToken, this.perIp, this.perIpPublic].map((b) => b.flush().catch(() => undefined)));
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    const res = ctx.switchToHttp().getResponse<Response>();
    // The health check answers load balancers and probes, whatever the traffic.
    if (req.path === '/api/v1/health') return true;
    const token = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const ip = req.ip ?? 'unknown';
    if (!token) {
      const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [ctx.getHandler(), ctx.getClass()]);
      const budget = isPublic ? this.perIpPublic : this.perIp;
      this.verdict(await budget.spend(ip), res, 'too many requests from this address');
      return true;
    }
    const budget = token.startsWith('inb_') ? this.perIngestToken : this.perToken;
    // Both budgets at once (one round trip when either needs PostgreSQL); the token's answers first.
    const [byToken, byIp] = await Promise.all([budget.spend(hashToken(token).slice(0, 32)), this.perIp.spend(ip)]);
    this.verdict(byToken, res, 'too many requests with this token');
    // The address's budget is not shown in headers: one address may carry many tokens (a proxy).
    this.verdict(byIp, null, 'too many requests from this address');
    return true;
  }

  private verdict(state: Spend, res: Response | null, message: string): void {
    if (res) {
      res.setHeader('X-RateLimit-Limit', String(state.limit));
      res.setHeader('X-RateLimit-Remaining', String(Math.max(0, state.remaining)));
      res.setHeader('X-RateLimit-Reset', String(Math.ceil(state.msBeforeNext / 1000)));
    }
    if (state.refused) throw rateLimited(message, state.msBeforeNext);
  }
}
