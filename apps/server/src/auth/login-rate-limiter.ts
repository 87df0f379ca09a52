import { Injectable } from '@nestjs/common';
import { DomainError } from '@inbox/core';

/** Slows password guessing: after 10 failures for one email, 15 minutes of refusals. */
@Injectable()
export class LoginRateLimiter {
  private readonly failures = new Map<string, { count: number; until: number }>();
  private readonly maxFailures = 10;
  private readonly lockMs = 15 * 60 * 1000;

  check(email: string): void {
    const entry = this.failures.get(email.toLowerCase());
    if (entry && entry.count >= this.maxFailures && entry.until > Date.now()) {
      throw new DomainError('RATE_LIMITED', 'too many failed logins for this account; try again later');
    }
  }

  fail(email: string): void {
    const key = email.toLowerCase();
    const entry = this.failures.get(key);
    const count = entry && entry.until > Date.now() ? entry.count + 1 : 1;
    this.failures.set(key, { count, until: Date.now() + this.lockMs });
    if (this.failures.size > 10000) this.failures.delete(this.failures.keys().next().value!);
  }

  reset(email: string): void {
    this.failures.delete(email.toLowerCase());
  }
}
