import { useMemo, useSyncExternalStore } from 'react';
import type { ConversationSummary } from '../api/types';

/**
 * Every conversation the client knows, fed by REST pages and socket events alike, so a
 * conversation moves between tabs the moment an event changes it, without refetching.
 */
export class ConversationStore {
  private readonly items = new Map<string, ConversationSummary>();
  private readonly unread = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private version = 0;

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  };
  getVersion = () => this.version;

  private changed(): void {
    this.version++;
    this.listeners.forEach((fn) => fn());
  }

  get(id: string): ConversationSummary | undefined {
    return this.items.get(id);
  }
  all(): IterableIterator<ConversationSummary> {
    return this.items.values();
  }
  get size(): number {
    return this.items.size;
  }

  /** Keeps the newer copy: a slow REST page must not overwrite a fresher socket event. */
  upsert(list: ConversationSummary | ConversationSummary[]): void {
    let changed = false;
    for (const c of Array.isArray(list) ? list : [list]) {
      const cur = this.items.get(c.id);
      if (cur && cur.updatedAt > c.updatedAt) continue;
      this.items.set(c.id, c);
      changed = true;
    }
    if (changed) this.changed();
  }

  patch(id: string, fields: Partial<ConversationSummary>): void {
    const cur = this.items.get(id);
    if (!cur) return;
    this.items.set(id, { ...cur, ...fields });
    this.changed();
  }

  remove(id: string): void {
    if (this.items.delete(id)) this.changed();
  }

  unreadOf(id: string): number {
    return this.unread.get(id) ?? 0;
  }
  markUnread(id: string): void {
    this.unread.set(id, (this.unread.get(id) ?? 0) + 1);
    this.changed();
  }
  markRead(id: string): void {
    if (this.unread.delete(id)) this.changed();
  }

  clear(): void {
    this.items.clear();
    this.unread.clear();
    this.changed();
  }
}

export function useStoreSelect<T>(store: ConversationStore, select: (s: ConversationStore) => T, deps: unknown[] = []): T {
  const version = useSyncExternalStore(store.subscribe, store.getVersion);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => select(store), [version, store, ...deps]);
}
