import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Limiter, RateLimits } from '@inbox/core';
import { WebchatVisitorService } from './webchat-visitor.service';

/**
 * CORS for the widget's REST calls, decided per inbox: the website token is in the path,
 * so even a preflight is checked against that inbox's allowed origins. Requests from other
 * origins are refused before any handler runs. Image downloads (<img src>) carry no Origin
 * and are authorised by the visitor token instead.
 */
@Injectable()
export class WidgetCorsMiddleware implements NestMiddleware {
  /** Shared by every replica; `req.ip` follows TRUSTED_PROXIES, so a client's own X-Forwarded-For cannot reset it. */
  private readonly perIp: Limiter;

  constructor(
    private readonly visitors: WebchatVisitorService,
    limits: RateLimits,
  ) {
    this.perIp = limits.bursty('widget_rest_ip', { points: 10, durationSeconds: 1 }, { points: 120, durationSeconds: 60 });
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const websiteToken = req.path.match(/\/widget\/(wt_[^/]+)\//)?.[1];
      if (!websiteToken) return next();
      await this.perIp.take(req.ip ?? 'unknown', 'too many requests; try again shortly');
      const origin = req.headers.origin;
      const download = req.method === 'GET' && /\/attachments\/[^/]+$/.test(req.path);
      await this.visitors.inboxFor(websiteToken, origin, { allowMissingOrigin: download });
      if (origin) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('vary', 'Origin');
        res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
        res.setHeader('access-control-allow-headers', 'content-type, x-visitor-token, x-file-name');
        res.setHeader('access-control-max-age', '600');
      }
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
      next();
    } catch (err) {
      next(err);
    }
  }
}
