import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig, PUBLIC_KEY, RateLimits, hashToken, rateLimited } from '@inbox/core';

const WINDOW_SECONDS = 60;

/**
 * Rate limits on every REST route, shared by all replicas (counters in PostgreSQL through
 * rate-limiter-flexible, like the login and widget limits). An authenticated request spends one
 * point of its token's budget (agent JWT, bot token; inbox tokens get the larger ingest budget)
 * and one of its address's; a request without a token spends its address's (public webhook
 * routes from the ingest budget, sized for a platform's bursts). Answers carry X-RateLimit-*;
 * a 429 carries Retry-After through the error filter. Runs before authentication, so a flood of
 * bad tokens is limited too.
 */
@Injectable()
export class ApiRateLimitGuard implements CanActivate {
  private readonly perToken: RateLimiterPostgres;
  private readonly perIngestToken: RateLimiterPostgres;
  private readonly perIp: RateLimiterPostgres;
  private readonly perIpPublic: RateLimiterPostgres;

  constructor(
    private readonly reflector: Reflector,
    limits: RateLimits,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.perToken = limits.store({ prefix: 'api_token', points: config.rateLimitPerMinute, durationSeconds: WINDOW_SECONDS });
    this.perIngestToken = limits.store({ prefix: 'api_ingest', points: config.rateLimitIngestPerMinute, durationSeconds: WINDOW_SECONDS });
    this.perIp = limits.store({ prefix: 'api_ip', points: config.rateLimitIpPerMinute, durationSeconds: WINDOW_SECONDS });
    this.perIpPublic = limits.store({ prefix: 'api_public_ip', points: config.rateLimitIngestPerMinute, durationSeconds: WINDOW_SECONDS });
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
      const limiter = isPublic ? this.perIpPublic : this.perIp;
      await this.spend(limiter, ip, isPublic ? this.config.rateLimitIngestPerMinute : this.config.rateLimitIpPerMinute, res, 'too many requests from this address');
      return true;
    }
    const ingest = token.startsWith('inb_');
    const [limiter, points] = ingest ? [this.perIngestToken, this.config.rateLimitIngestPerMinute] : [this.perToken, this.config.rateLimitPerMinute];
    await this.spend(limiter, hashToken(token).slice(0, 32), points, res, 'too many requests with this token');
    // The address's budget is not shown in headers: one address may carry many tokens (a proxy).
    await this.spend(this.perIp, ip, this.config.rateLimitIpPerMinute, null, 'too many requests from this address');
    return true;
  }

  private async spend(limiter: RateLimiterPostgres, key: string, limit: number, res: Response | null, message: string): Promise<void> {
    let state: RateLimiterRes;
    let refused = false;
    try {
      state = await limiter.consume(key);
    } catch (rej) {
      if (!(rej instanceof Error) && rej && typeof rej === 'object' && 'msBeforeNext' in rej) {
        state = rej as RateLimiterRes;
        refused = true;
      } else throw rej;
    }
    if (res) {
      res.setHeader('X-RateLimit-Limit', String(limit));
      res.setHeader('X-RateLimit-Remaining', String(Math.max(0, state.remainingPoints)));
      res.setHeader('X-RateLimit-Reset', String(Math.ceil(state.msBeforeNext / 1000)));
    }
    if (refused) throw rateLimited(message, state.msBeforeNext);
  }
}
