import type { NextFunction, Request, Response, RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Headers on every response (helmet). The CSP is the web app's: its own scripts only (Vite
 * emits no inline script), inline styles (React style attributes and the email iframe, whose
 * srcdoc document inherits this policy on top of its own stricter one), images from anywhere
 * once an agent asks to show an email's remote images, sockets to this origin. Nothing of
 * ours is meant to be framed: the widget runs in the host page itself, not in an iframe.
 */
export function securityHeaders(opts: { https: boolean }): RequestHandler[] {
  const csp = {
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:', 'blob:', 'https:', 'http:'],
      'media-src': ["'self'", 'blob:'],
      'font-src': ["'self'", 'data:'],
      'connect-src': ["'self'", 'ws:', 'wss:'],
      'frame-src': ["'self'", 'blob:'],
      'worker-src': ["'self'", 'blob:'],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
      ...(opts.https ? { 'upgrade-insecure-requests': [] } : {}),
    },
  };
  const forApp = helmet({
    contentSecurityPolicy: csp,
    // HSTS only means something over HTTPS; on plain HTTP it would pin a name to a TLS that is not there.
    strictTransportSecurity: opts.https ? { maxAge: 180 * 24 * 3600 } : false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  // The OpenAPI page (swagger-ui) runs an inline bootstrap script: same headers, a policy that lets it run.
  const forDocs = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { ...csp.directives, 'script-src': ["'self'", "'unsafe-inline'"] } },
    strictTransportSecurity: opts.https ? { maxAge: 180 * 24 * 3600 } : false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
  const pick = (req: Request, res: Response, next: NextFunction) => (/^\/api\/docs(\/|$)/.test(req.path) ? forDocs(req, res, next) : forApp(req, res, next));
  // Host pages load the widget's script, its REST answers and attachment images from another site.
  const widgetResources = (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/api/v1/widget/')) res.setHeader('cross-origin-resource-policy', 'cross-origin');
    next();
  };
  return [pick, widgetResources];
}
