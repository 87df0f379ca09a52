import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useLive } from '../live/live';
import type { OfferedEvent } from '../api/types';
import { useConversationContactLabel } from './contact-label';

function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

function Offer({ offer }: { offer: OfferedEvent }) {
  const { t } = useTranslation();
  const contactLabel = useConversationContactLabel();
  const live = useLive();
  const navigate = useNavigate();
  const now = useNow();
  const [error, setError] = useState<string | null>(null);
  const left = Math.max(0, Math.ceil((new Date(offer.expiresAt).getTime() - now) / 1000));

  useEffect(() => {
    if (left === 0) live.dismissOffer(offer.conversationId);
  }, [left, live, offer.conversationId]);

  const answer = async (accept: boolean) => {
    try {
      await live.command(accept ? 'offer.accept' : 'offer.decline', { conversationId: offer.conversationId });
      live.dismissOffer(offer.conversationId);
      if (accept) navigate(`/inbox/${offer.conversationId}`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const c = offer.conversation;
  return (
    <div className="offer" role="alert" data-testid="offer">
      <div>
        <strong>{t('offer.title')}</strong> · {contactLabel(c)} · {t(`channel.${c.channel}`)}
        <div className="muted small">{offer.reason}</div>
        {error && <div className="error small">{t('offer.failed', { message: error })}</div>}
      </div>
      <span className="countdown" aria-live="polite">
        {t('offer.expiresIn', { seconds: left })}
      </span>
      <button className="primary" onClick={() => void answer(true)}>
        {t('offer.accept')}
      </button>
      <button onClick={() => void answer(false)}>{t('offer.decline')}</button>
    </div>
  );
}

export function OfferBanner() {
  const { offers } = useLive();
  if (!offers.length) return null;
  return (
    <div className="offers">
      {offers.map((o) => (
        <Offer key={o.conversationId} offer={o} />
      ))}
    </div>
  );
}
