/** Headers and query parameters that carry a credential: never written to logs. */
export const REDACTED_HEADERS = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-visitor-token"]', 'req.query.token', 'req.query.sig'];
const SECRET_QUERY = /([?&](?:token|sig)=)[^&#]*/gi;

/** `?token=…` and `?sig=…` in a logged URL become `[Redacted]` (old widget links, signed attachment links). */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[Redacted]');
}
