/** `type/subtype` with optional `; name=value` parameters, nothing that could break a header line. */
export const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\s*;\s*[a-z0-9!#$&^_.+-]+=("[^"\r\n\\]*"|[a-z0-9!#$&^_.+-]+))*$/i;

export function isValidContentType(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 200 && MIME_TYPE.test(v);
}

/** What a download may put in its Content-Type: the stored type when it is a clean MIME type, else bytes. */
export function safeContentType(v: unknown): string {
  return isValidContentType(v) ? v : 'application/octet-stream';
}
