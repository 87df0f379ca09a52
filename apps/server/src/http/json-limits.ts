import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '@inbox/core';

/** Deeper than any payload we or the platforms we receive webhooks from produce. */
export const MAX_JSON_DEPTH = 32;
/** `metadata` is free-form context for integrations, not a document store. */
export const MAX_METADATA_BYTES = 16 * 1024;

/**
 * The depth of the deepest value and the top-level field it sits under, walked iteratively:
 * a recursive validator or transformer would overflow the stack on a hostile body (a 500).
 */
export function deepestField(body: unknown): { depth: number; field: string | null } {
  let best = { depth: 0, field: null as string | null };
  const stack: Array<{ v: unknown; depth: number; field: string | null }> = [{ v: body, depth: 0, field: null }];
  while (stack.length) {
    const { v, depth, field } = stack.pop()!;
    if (depth > best.depth) best = { depth, field };
    if (depth > MAX_JSON_DEPTH) break;
    if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (child && typeof child === 'object') stack.push({ v: child, depth: depth + 1, field: field ?? k });
      }
    }
  }
  return best;
}

/** After the JSON parser: nesting depth and the size of `metadata`, each a 400 naming the field. */
export function jsonLimits(req: Request, _res: Response, next: NextFunction): void {
  const body = req.body as unknown;
  if (!body || typeof body !== 'object') return next();
  const { depth, field } = deepestField(body);
  if (depth > MAX_JSON_DEPTH) {
    const name = field ?? 'body';
    return next(
      new DomainError('VALIDATION_FAILED', `${name}: nested deeper than ${MAX_JSON_DEPTH} levels`, { fields: { [name]: [`nested deeper than ${MAX_JSON_DEPTH} levels`] } }),
    );
  }
  const metadata = (body as { metadata?: unknown }).metadata;
  if (metadata !== undefined && Buffer.byteLength(JSON.stringify(metadata) ?? '') > MAX_METADATA_BYTES) {
    return next(
      new DomainError('VALIDATION_FAILED', `metadata: at most ${MAX_METADATA_BYTES / 1024} KB of JSON`, {
        fields: { metadata: [`at most ${MAX_METADATA_BYTES / 1024} KB of JSON`] },
      }),
    );
  }
  next();
}
