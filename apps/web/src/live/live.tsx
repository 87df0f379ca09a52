import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, MentionSummary, ServerToClientEvents } from '@inbox/realtime-contract';
import { auth, get } from '../api/client';
import type { AssignedEvent, ConversationSummary, MessageSummary, OfferedEvent, PresenceName, QueueStats } from '../api/types';
import { useMe } from '../session/session';
import { ConversationStore } from './conversation-store';
import { csatKey } from '../qa/csat-rating';
import type { ConversationCsat } from '../qa/qa-types';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TypingState {
  userId: string;
  name: string;
}

/** Live events other parts of the app react to (notifications), after the store has them. */
export type LiveEvent =
  { type: 'assigned'; data: AssignedEvent } | { type: 'offered'; data: OfferedEvent } | { type: 'message'; data: MessageSummary } | { type: 'mention'; data: MentionSummary };

export interface Live {
  store: ConversationStore;
  connected: boolean;
  presence: PresenceName;
  offers: OfferedEvent[];
  typing: Record<string, TypingState[]>;
  /** The conversation on screen: its new messages do not count as unread. */
  setViewing(id: string | null): void;
  command<E extends keyof ClientToServerEvents>(event: E, payload: Parameters<ClientToServerEvents[E]>[0]): Promise<Record<string, unknown>>;
  dismissOffer(conversationId: string): void;
  /** Subscribes to live events; returns the unsubscribe function. */
  onEvent(fn: (e: LiveEvent) => void): () => void;
}

/** Exported so component tests can hand a list or a view a store without a socket. */
export const LiveContext = createContext<Live | null>(null);

export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const presenceKey = (userId: string) => `inbox.presence.${userId}`;
const restorePresenceChoice = (userId: string, choice: string | null) =>
  choice === null ? localStorage.removeItem(presenceKey(userId)) : localStorage.setItem(presenceKey(userId), choice);

export function messagesKey(conversationId: string) {
  return ['messages', conversationId] as const;
}

/** Appends or replaces one message in a conversation's cached timeline. */
/**
 * A request's answer (a new reply as stored, a retry queued again) can arrive after the live
 * events that followed it: a local receiver may have taken the reply before the HTTP answer got
 * back. The answer then must not put a reply that is already further along back to `queued`.
 * `isRetry`: a failed reply (or one whose delivery stalled) becomes queued again; otherwise the
 * copy already in the list is kept.
 */
export function mergeAnswer(list: MessageSummary[] | undefined, m: MessageSummary, isRetry = false): MessageSummary[] | undefined {
  const existing = list?.find((x) => x.id === m.id);
  if (!existing) return mergeMessage(list, m);
  if (!isRetry) return list;
  const settled = existing.status === 'sent' || existing.status === 'delivered' || existing.status === 'read';
  const underway = existing.status === 'sending' && existing.attempts > 0 && existing.deliveryDeadline !== null && Date.parse(existing.deliveryDeadline) > Date.now();
  return settled || underway ? list : mergeMessage(list, m);
}

export function mergeMessage(list: MessageSummary[] | undefined, m: MessageSummary): MessageSummary[] | undefined {
  if (!list) return list;
  const i = list.findIndex((x) => x.id === m.id);
  if (i === -1) return [...list, m];
  const next = list.slice();
  next[i] = m;
  return next;
}

/**
 * A message's events can reach a page out of order (filed on two replicas, each relaying its own):
 * a reply's `sending` after its `sent` would show it sending for good. The returned check passes
 * an event only when it is newer (higher seq) than the last one passed for its message.
 */
export function newestPerMessage(limit = 10_000): (messageId: string, seq: number) => boolean {
  const seqs = new Map<string, number>();
  return (messageId, seq) => {
    if (seq <= (seqs.get(messageId) ?? 0)) return false;
    if (seqs.size >= limit) seqs.clear();
    seqs.set(messageId, seq);
    return true;
  };
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const me = useMe();
  const queryClient = useQueryClient();
  const store = useMemo(() => new ConversationStore(), []);
  const socketRef = useRef<ClientSocket | null>(null);
  const viewingRef = useRef<string | null>(null);
  const lastSeq = useRef(0);
  const [connected, setConnected] = useState(false);
  const [presence, setPresence] = useState<PresenceName>('offline');
  const [offers, setOffers] = useState<OfferedEvent[]>([]);
  const [typing, setTyping] = useState<Record<string, TypingState[]>>({});
  const eventListeners = useMemo(() => new Set<(e: LiveEvent) => void>(), []);

  useEffect(() => {
    // The token is read at every (re)connect: a password change on this device hands over a new one.
    const socket: ClientSocket = io({ auth: (cb) => cb({ token: auth.token }), transports: ['websocket', 'polling'] });
    socketRef.current = socket;
    let everConnected = false;
    const seen = (seq: number) => {
      if (seq > lastSeq.current) lastSeq.current = seq;
    };
    const newestOf = newestPerMessage();

    socket.on('connect', () => {
      setConnected(true);
      // The agent's own choice survives reloads and reconnects: re-assert it to the server.
      const chosen = localStorage.getItem(presenceKey(me.id)) === 'away' ? 'away' : 'online';
      setPresence(chosen);
      socket.emit('presence.set', { presence: chosen }, (ack) => {
        if (ack.ok) setPresence(ack.presence);
      });
      // Back after a drop (the server keeps no socket state across one): ask the outbox for the gap
      // (the server filters it by this user's rights of now); a page that has seen no event yet does
      // not know where the outbox stood, and reloads what it shows.
      if (everConnected) {
        if (lastSeq.current > 0) socket.emit('events.replay', { afterSeq: lastSeq.current }, () => undefined);
        else void queryClient.invalidateQueries();
      }
      everConnected = true;
    });
    socket.on('disconnect', (reason) => {
      setConnected(false);
      // The server closes sockets when rights change (ACCESS_CHANGED) or a session ends: reconnect
      // at once; the handshake either gives rooms that follow the new rights or refuses the token.
      if (reason === 'io server disconnect')
        void Promise.resolve(auth.renewing)
          .catch(() => undefined)
          .finally(() => socket.connect());
    });
    socket.on('connect_error', (err) => {
      // Refused at the handshake (expired, revoked, password changed elsewhere): log in again.
      if ((err as Error & { data?: { code?: string } }).data?.code !== 'UNAUTHENTICATED') return;
      if (auth.renewing) void auth.renewing.catch(() => undefined).finally(() => socket.connect());
      else auth.sessionEnded();
    });

    const onConversation = (e: { seq: number; data: ConversationSummary }) => {
      seen(e.seq);
      store.upsert(e.data);
      queryClient.setQueryData(['conversation', e.data.id], e.data);
    };
    socket.on('conversation.created', onConversation);
    socket.on('conversation.updated', onConversation);
    socket.on('conversation.assigned', ({ seq, data }) => {
      seen(seq);
      if (store.get(data.conversationId))
        store.patch(data.conversationId, { assigneeId: data.agentId, teamId: data.teamId ?? store.get(data.conversationId)!.teamId, assignmentReason: data.reason });
      else
        get<ConversationSummary>(`/conversations/${data.conversationId}`).then(
          (c) => store.upsert(c),
          () => undefined,
        );
      setOffers((list) => list.filter((o) => o.conversationId !== data.conversationId));
      queryClient.invalidateQueries({ queryKey: ['conversation', data.conversationId] });
      eventListeners.forEach((fn) => fn({ type: 'assigned', data }));
    });
    socket.on('conversation.offered', ({ seq, data }) => {
      seen(seq);
      store.upsert(data.conversation);
      setOffers((list) => [...list.filter((o) => o.conversationId !== data.conversationId), data]);
      eventListeners.forEach((fn) => fn({ type: 'offered', data }));
    });
    socket.on('message.created', ({ seq, data }) => {
      seen(seq);
      if (!newestOf(data.id, seq)) return;
      queryClient.setQueryData<MessageSummary[]>(messagesKey(data.conversationId), (list) => mergeMessage(list, data));
      const conv = store.get(data.conversationId);
      if (conv && data.kind !== 'activity' && data.createdAt > conv.lastMessageAt) store.patch(data.conversationId, { lastMessageAt: data.createdAt });
      if (data.direction === 'inbound' && viewingRef.current !== data.conversationId) store.markUnread(data.conversationId);
      eventListeners.forEach((fn) => fn({ type: 'message', data }));
    });
    socket.on('message.updated', ({ seq, data }) => {
      seen(seq);
      if (!newestOf(data.id, seq)) return;
      queryClient.setQueryData<MessageSummary[]>(messagesKey(data.conversationId), (list) => mergeMessage(list, data));
    });
    socket.on('agent.presence', ({ seq, data }) => {
      seen(seq);
      if (data.agentId === me.id) setPresence(data.presence);
      queryClient.setQueryData<QueueStats>(['routing-stats'], (s) =>
        s ? { ...s, agents: s.agents.map((a) => (a.agentId === data.agentId ? { ...a, presence: data.presence } : a)) } : s,
      );
    });
    socket.on('queue.stats', ({ data }) => queryClient.setQueryData(['routing-stats'], data));
    // A customer's rating: the conversation header shows it at once, then the server's full answer.
    socket.on('csat.received', ({ seq, data }) => {
      seen(seq);
      queryClient.setQueryData<ConversationCsat>(csatKey(data.conversationId), (cur) => ({
        survey: cur?.survey ?? null,
        rating: { rating: data.rating, scale: data.scale, comment: data.comment, ratedAt: data.ratedAt, firstRatedAt: cur?.rating?.firstRatedAt ?? data.ratedAt },
      }));
      void queryClient.invalidateQueries({ queryKey: csatKey(data.conversationId) });
    });
    // A teammate named me in a note (only my own room hears it); the Mentions tab refetches.
    socket.on('mention.created', ({ seq, data }) => {
      seen(seq);
      void queryClient.invalidateQueries({ queryKey: ['mentions'] });
      eventListeners.forEach((fn) => fn({ type: 'mention', data }));
    });
    socket.on('mention.read', ({ seq }) => {
      seen(seq);
      void queryClient.invalidateQueries({ queryKey: ['mentions'] });
    });
    socket.on('typing', (e) => {
      if (e.userId === me.id) return;
      setTyping((cur) => {
        const others = (cur[e.conversationId] ?? []).filter((x) => x.userId !== e.userId);
        return { ...cur, [e.conversationId]: e.typing ? [...others, { userId: e.userId, name: e.name }] : others };
      });
    });
    return () => {
      socket.disconnect();
      socketRef.current = null;
    };
  }, [me.id, queryClient, store, eventListeners]);

  const value = useMemo<Live>(
    () => ({
      store,
      connected,
      presence,
      offers,
      typing,
      setViewing(id) {
        viewingRef.current = id;
        if (id) store.markRead(id);
      },
      async command(event, payload) {
        const socket = socketRef.current;
        if (!socket) throw new CommandError('OFFLINE', 'not connected');
        // The presence choice is kept before it is sent: a reload while the answer is on its way
        // must re-assert the new choice, not the old one. A refusal puts the old one back.
        const previousChoice = event === 'presence.set' ? localStorage.getItem(presenceKey(me.id)) : null;
        if (event === 'presence.set') localStorage.setItem(presenceKey(me.id), (payload as { presence: string }).presence);
        let ack: Ack;
        try {
          ack = (await (socket as any).timeout(10_000).emitWithAck(event, payload)) as Ack;
        } catch (err) {
          if (event === 'presence.set') restorePresenceChoice(me.id, previousChoice);
          throw err;
        }
        if (!ack.ok) {
          if (event === 'presence.set') restorePresenceChoice(me.id, previousChoice);
          throw new CommandError(ack.code, ack.message);
        }
        if (event === 'presence.set') setPresence((ack as unknown as { presence: PresenceName }).presence);
        return ack;
      },
      dismissOffer(conversationId) {
        setOffers((list) => list.filter((o) => o.conversationId !== conversationId));
      },
      onEvent(fn) {
        eventListeners.add(fn);
        return () => void eventListeners.delete(fn);
      },
    }),
    [store, connected, presence, offers, typing, me.id, eventListeners],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const l = useContext(LiveContext);
  if (!l) throw new Error('useLive outside LiveProvider');
  return l;
}
