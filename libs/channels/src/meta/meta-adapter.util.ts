import { randomBytes, randomUUID } from 'node:crypto';
import { DomainError, PermanentSendError } from '@inbox/core';
import { GraphCallError, MetaGraphClient } from './meta-graph.client';
import type { MetaChannelKind } from './meta-events';

/** Codes an agent reads on a failed reply (the web app translates them); the text after the colon is Meta's. */
export const META_SEND_ERROR_CODES = ['META_WINDOW_CLOSED', 'META_AUTH_FAILED', 'META_REJECTED'] as const;

export const invalid = (field: string, message: string) => new DomainError('VALIDATION_FAILED', `${field}: ${message}`, { fields: { [field]: [message] } });

export function requireString(input: Record<string, unknown>, field: string, pattern: RegExp, message: string): string {
  const v = input[field];
  if (typeof v !== 'string' || !pattern.test(v.trim())) throw invalid(field, message);
  return v.trim();
}

export const GRAPH_ID = /^\d{5,25}$/;
export const TOKEN = /^[\w\-.|]{20,1000}$/;
export const APP_SECRET = /^[0-9a-zA-Z]{16,128}$/;
export const VERIFY_TOKEN = /^[\w\-.~]{8,128}$/;

/** verifyToken as given, or a new random one; the webhook key names the callback URL. */
export function webhookIdentity(input: Record<string, unknown>): { verifyToken: string; webhookKey: string } {
  const verifyToken =
    input.verifyToken === undefined || input.verifyToken === null || input.verifyToken === ''
      ? `vt_${randomBytes(18).toString('base64url')}`
      : requireString(input, 'verifyToken', VERIFY_TOKEN, 'must be 8-128 letters, digits, - _ . ~');
  return { verifyToken, webhookKey: randomUUID() };
}

export function callbackUrl(publicUrl: string, kind: MetaChannelKind, webhookKey: unknown): string | null {
  return typeof webhookKey === 'string' ? `${publicUrl}/api/v1/channels/${kind}/${webhookKey}/webhook` : null;
}

/**
 * The connection check shared by create and test-connection: a refused token is the admin's
 * to fix (400 naming the field), an unreachable Graph API is not (502, try again).
 */
export async function checkGraph<T>(graph: MetaGraphClient, fields: { token: string; id: string }, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof GraphCallError)) throw err;
    if (err.kind === 'auth') throw invalid(fields.token, `Meta refused the token ${err.detail}`);
    if (err.kind === 'rejected') throw invalid(fields.id, `Meta did not accept it ${err.detail}`);
    throw new DomainError('UPSTREAM_FAILED', `could not check the credentials with the Graph API at ${graph.baseUrl}: ${err.detail}; try again`, { graphError: err.kind });
  }
}

/** Graph errors → what the outbound job does: retry (rethrow) or fail at once with a code the agent's screen translates. */
export function toSendError(err: unknown): unknown {
  if (!(err instanceof GraphCallError)) return err;
  if (err.retryable) return err;
  const code = err.kind === 'window_closed' ? 'META_WINDOW_CLOSED' : err.kind === 'auth' ? 'META_AUTH_FAILED' : 'META_REJECTED';
  return new PermanentSendError(`${code}: ${err.detail}`);
}
