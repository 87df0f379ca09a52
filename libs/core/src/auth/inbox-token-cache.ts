import { Injectable } from '@nestjs/common';

/**
 * Inbox tokens this replica has found in the database, by hash: an API-channel push carrying one
 * needs no lookup of its own before its write, because ingest's storing statement checks the hash
 * against the inbox row (active, same hash) in the same round trip as it writes, and writes
 * nothing otherwise. A rotated or deactivated token therefore stops at once on every replica,
 * as it did when every request looked it up; what the cache saves is that lookup, one round trip
 * of the three an API message costs. Only successful lookups are kept (an unknown token is looked
 * up every time, as before); a write that finds the token no longer valid forgets it here.
 */
@Injectable()
export class InboxTokenCache {
  /** Far above the inboxes of one installation; past it the oldest entry goes. */
  static readonly MAX = 10_000;
  private readonly byHash = new Map<string, string>();

  /** The inbox a token hash was last found to open, or undefined. */
  inboxOf(tokenHash: string): string | undefined {
    return this.byHash.get(tokenHash);
  }

  remember(tokenHash: string, inboxId: string): void {
    if (this.byHash.has(tokenHash)) return;
    if (this.byHash.size >= InboxTokenCache.MAX) this.byHash.delete(this.byHash.keys().next().value!);
    this.byHash.set(tokenHash, inboxId);
  }

  forget(tokenHash: string): void {
    this.byHash.delete(tokenHash);
  }
}
