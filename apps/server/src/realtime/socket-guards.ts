import { DomainError } from '@inbox/core';
import type { Ack } from '@inbox/realtime-contract';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Payload checks for socket commands: the same 400-style errors as REST, as ack codes. */
export function requireUuid(payload: unknown, field: string): string {
  const v = (payload as Record<string, unknown> | null)?.[field];
  if (typeof v !== 'string' || !UUID.test(v)) throw new DomainError('VALIDATION_FAILED', `${field} must be a UUID`, { fields: { [field]: ['must be a UUID'] } });
  return v;
}

export function requireOneOf<T extends string>(payload: unknown, field: string, allowed: readonly T[]): T {
  const v = (payload as Record<string, unknown> | null)?.[field];
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new DomainError('VALIDATION_FAILED', `${field} must be one of ${allowed.join(', ')}`);
  return v as T;
}

export function requireInt(payload: unknown, field: string, min: number, max: number): number {
  const v = (payload as Record<string, unknown> | null)?.[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new DomainError('VALIDATION_FAILED', `${field} must be an integer from ${min} to ${max}`);
  return v;
}

export function toErrorAck(err: unknown): Ack {
  if (err instanceof DomainError) return { ok: false, code: err.code, message: err.message };
  return { ok: false, code: 'INTERNAL', message: 'internal error' };
}

/** Token bucket per socket: bursts allowed, sustained floods refused. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly capacity = 40,
    private readonly perSecond = 20,
  ) {
    this.tokens = capacity;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
