/**
 * Makes an email's HTML safe to show: scripts, frames, forms and event handlers go,
 * `javascript:` and other non-web links go, and remote images are held back until the
 * agent asks for them (they would tell the sender when and where the mail was read).
 * The result is also shown in a sandboxed iframe without scripts: two fences, not one.
 */
const DROP = new Set([
  'script',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'form',
  'input',
  'button',
  'textarea',
  'select',
  'link',
  'meta',
  'base',
  'noscript',
  'template',
  'svg',
  'math',
]);
const URL_ATTRS = ['href', 'src', 'action', 'formaction', 'background', 'poster', 'xlink:href', 'srcset'];
const SAFE_LINK = /^(https?:|mailto:|tel:|#)/i;

export interface SanitizedEmail {
  html: string;
  blockedImages: number;
}

export function sanitizeEmailHtml(input: string, opts: { allowRemoteImages?: boolean } = {}): SanitizedEmail {
  const doc = new DOMParser().parseFromString(input, 'text/html');
  let blockedImages = 0;
  const walk = (el: Element) => {
    for (const child of Array.from(el.children)) {
      const tag = child.tagName.toLowerCase();
      if (DROP.has(tag)) {
        child.remove();
        continue;
      }
      for (const attr of Array.from(child.attributes)) {
        const name = attr.name.toLowerCase();
        const value = attr.value.replace(/[\u0000-\u0020]/g, '');
        if (name.startsWith('on')) child.removeAttribute(attr.name);
        else if (name === 'style' && /expression\(|javascript:|url\(/i.test(value)) child.removeAttribute(attr.name);
        else if (URL_ATTRS.includes(name)) {
          if (tag === 'img' && name === 'src') continue;
          if (name === 'srcset' || !SAFE_LINK.test(value)) child.removeAttribute(attr.name);
        }
      }
      if (tag === 'img') {
        const src = (child.getAttribute('src') ?? '').trim();
        if (/^data:image\/(png|gif|jpe?g|webp);/i.test(src)) {
          // inline images are part of the mail: nothing leaves the browser
        } else if (/^https?:/i.test(src) && opts.allowRemoteImages) {
          child.setAttribute('referrerpolicy', 'no-referrer');
        } else {
          if (/^https?:/i.test(src)) blockedImages++;
          child.removeAttribute('src');
          child.setAttribute('alt', child.getAttribute('alt') || '🖼');
        }
      }
      if (tag === 'a') {
        child.setAttribute('target', '_blank');
        child.setAttribute('rel', 'noopener noreferrer');
      }
      walk(child);
    }
  };
  walk(doc.body);
  // <style> in the head may carry remote url()s too; the body keeps only what survived above.
  return { html: doc.body.innerHTML, blockedImages };
}

/** The iframe document: a CSP that forbids scripts and, unless allowed, every remote load. */
export function emailFrameDocument(bodyHtml: string, allowRemoteImages: boolean): string {
  const img = allowRemoteImages ? 'data: https: http:' : 'data:';
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${img}; style-src 'unsafe-inline'"><base target="_blank"><style>body{font-family:system-ui,sans-serif;font-size:14px;line-height:1.45;color:#1f2937;margin:0;padding:8px;word-wrap:break-word}img{max-width:100%;height:auto}blockquote{border-left:3px solid #d1d5db;margin:0;padding-left:8px;color:#6b7280}</style></head><body>${bodyHtml}</body></html>`;
}
