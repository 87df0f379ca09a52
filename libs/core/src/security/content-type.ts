/** `type/subtype` with optional `; name=value` parameters, nothing that could break a header line. */
export const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\s*;\s*[a-z0-9!#$&^_.+-]+=("[^"\r\n\\]*"|[a-z0-9!#$&^_.+-]+))*$/i;

export function isValidContentType(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 200 && MIME_TYPE.test(v);
}

/** What a download may put in its Content-Type: the stored type when it is a clean MIME type, else bytes. */
export function safeContentType(v: unknown): string {
  return isValidContentType(v) ? v : 'application/octet-stream';
}

/**
 * Types a browser may show in place (`Content-Disposition: inline`): raster images and PDF,
 * which run no script of ours. HTML, SVG (scriptable XML), XML and everything else is always
 * a download, whatever the caller asks.
 */
const INLINE_SAFE = /^(image\/(png|jpeg|gif|webp|avif|bmp)|application\/pdf)$/;

export function isInlineSafe(contentType: unknown): boolean {
  return typeof contentType === 'string' && INLINE_SAFE.test(contentType.split(';')[0].trim().toLowerCase());
}

/** The Content-Disposition of a stored file: inline only when asked and the type is inline-safe. */
export function attachmentDisposition(fileName: string, contentType: unknown, wantInline: boolean): string {
  return `${wantInline && isInlineSafe(contentType) ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
