import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** A block of text to paste elsewhere (a script tag, a manifest) with a Copy button that says when it worked. */
export function CopyBlock({ value, label, testId }: { value: string; label: string; testId: string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = () => {
    if (!navigator.clipboard) return setState('failed');
    navigator.clipboard.writeText(value).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  return (
    <div className="copy-block" data-testid={testId}>
      <div className="copy-block-head">
        <strong>{label}</strong>
        <button type="button" className="ghost small" onClick={copy} data-testid={`${testId}-copy`}>
          {state === 'copied' ? t('meta.copied') : t('meta.copy')}
        </button>
      </div>
      {state === 'failed' && <div className="small muted">{t('inboxForms.copyFailed')}</div>}
      <pre className="copy-block-text">
        <code>{value}</code>
      </pre>
    </div>
  );
}
