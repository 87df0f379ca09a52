/** The shapes of GET /search (apps/server/src/search/search.service.ts). */
export interface SnippetPart {
  text: string;
  hit: boolean;
}
export interface MessageHit {
  id: string;
  conversationId: string;
  kind: string;
  direction: string;
  createdAt: string;
  snippet: SnippetPart[];
  conversation: { id: string; subject: string | null; status: string; channel: string; contactName: string | null };
}
export interface ConversationHit {
  id: string;
  subject: string | null;
  contactName: string | null;
  status: string;
  channel: string;
  lastMessageAt: string;
}
export interface ContactHit {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
}
export interface ArticleHit {
  id: string;
  title: string;
  locale: string;
  slug: string;
  status: string;
  excerpt: string;
  snippet?: SnippetPart[];
}
interface Group<T> {
  items: T[];
  nextCursor: string | null;
}
export interface SearchResponse {
  conversations?: Group<ConversationHit>;
  messages?: Group<MessageHit>;
  contacts?: Group<ContactHit>;
  articles?: Group<ArticleHit>;
}
export type SearchType = 'all' | 'conversations' | 'messages' | 'contacts' | 'articles';
