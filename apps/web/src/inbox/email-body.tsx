import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { emailFrameDocument, sanitizeEmailHtml } from '../lib/email-html';

/** An email's HTML, sanitised and shown in a sandboxed iframe (no scripts, no same origin). */
export function EmailBody({ html }: { html: string }) {
  const { t } = useTranslation();
  const [allowImages, setAllowImages] = useState(false);
  const [height, setHeight] = useState(120);
  const clean = useMemo(() => sanitizeEmailHtml(html, { allowRemoteImages: allowImages }), [html, allowImages]);
  const doc = useMemo(() => emailFrameDocument(clean.html, allowImages), [clean.html, allowImages]);
  return (
    <div className="email-body">
      {clean.blockedImages > 0 && !allowImages && (
        <button className="link small" onClick={() => setAllowImages(true)}>
          {t('conversation.showImages', { n: clean.blockedImages })}
        </button>
      )}
      <iframe
        title="email"
        data-testid="email-frame"
        // allow-same-origin lets us size the frame to its content; scripts stay off, so nothing in it can run.
        sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
        srcDoc={doc}
        style={{ height }}
        onLoad={(e) => {
          const body = e.currentTarget.contentDocument?.body;
          if (body) setHeight(Math.min(2000, body.scrollHeight + 24));
        }}
      />
    </div>
  );
}
