import type { MessageSummary } from '../api/types';
import { noteMentions, splitMentions, type MentionPart } from '../lib/mentions';
import { useMe } from '../session/session';
import './mentions.css';

/** A note's text with the teammates it mentions highlighted (the reader's own name stands out). */
export function NoteText({ m }: { m: MessageSummary }) {
  const mentions = noteMentions(m.metadata);
  return mentions.length ? <Highlighted parts={splitMentions(m.text, mentions)} /> : <>{m.text}</>;
}

function Highlighted({ parts }: { parts: MentionPart[] }) {
  const me = useMe();
  return (
    <>
      {parts.map((p, i) =>
        typeof p === 'string' ? (
          p
        ) : (
          <span key={i} className={`mention ${p.mention.id === me.id ? 'mention-me' : ''}`} data-testid="mention" data-user-id={p.mention.id}>
            @{p.mention.name}
          </span>
        ),
      )}
    </>
  );
}
