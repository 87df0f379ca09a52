import type { SnippetPart } from './search-types';

/** Highlighted parts as text nodes: the server sends plain parts, never HTML. */
export function Snippet({ parts }: { parts: SnippetPart[] }) {
  return <span className="snippet">{parts.map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}</span>;
}
