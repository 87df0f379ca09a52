import pino from 'pino';

/** Headers and query parameters that carry a credential: never written to logs. */
export const REDACTED_HEADERS = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-visitor-token"]', 'req.query.token', 'req.query.sig'];
const SECRET_QUERY = /([?&](?:token|sig)=)[^&#]*/gi;

/** `?token=…` and `?sig=…` in a logged URL become `[Redacted]` (old widget links, signed attachment links). */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[Redacted]');
}

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  [key: string]: unknown;
}

/**
 * How each request's logger carries the request (pino-http's `req` binding). pino serialises a
 * child logger's bindings when the child is made, that is on every request whether or not a line
 * is ever written. Only the completion line (level info) needs the headers; below it (LOG_LEVEL
 * warn or error) a request is carried as its id, method and URL, what finds it again from an
 * error line, and the headers are neither copied, redacted nor stringified for nothing (about 60
 * µs of CPU a request here: `npx node bench/profile-http.mjs` under `--cpu-prof`).
 */
export function requestSerializer(level: string): (req: SerializedRequest) => SerializedRequest {
  const { values } = pino.levels;
  if ((values[level] ?? values.info) <= values.info) return (req) => ({ ...req, url: redactUrl(req.url) });
  return (req) => ({ id: req.id, method: req.method, url: redactUrl(req.url) });
}
