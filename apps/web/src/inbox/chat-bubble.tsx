/** A speech bubble drawn, not an emoji: machines without an emoji font would show a box. */
export const ChatBubble = () => (
  <svg viewBox="0 0 16 16" width="1em" height="1em" aria-hidden focusable="false">
    <path fill="currentColor" d="M2 2.5A1.5 1.5 0 0 1 3.5 1h9A1.5 1.5 0 0 1 14 2.5v7a1.5 1.5 0 0 1-1.5 1.5H7l-3.2 2.8A.5.5 0 0 1 3 13.4V11h.5A1.5 1.5 0 0 1 2 9.5z" />
  </svg>
);
