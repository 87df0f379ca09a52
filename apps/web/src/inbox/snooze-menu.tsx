import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/format';
import { snoozeAt, toLocalInput, type SnoozePreset } from '../lib/snooze';

const PRESETS: SnoozePreset[] = ['hour', 'tomorrow', 'nextWeek'];

/** Snooze presets (1 hour, tomorrow 9:00, next Monday 9:00) in the agent's time zone, or a chosen time. */
export function SnoozeMenu({ onSnooze, disabled }: { onSnooze(untilIso: string): void; disabled?: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [custom, setCustom] = useState(() => toLocalInput(snoozeAt('tomorrow', new Date())));
  const now = new Date();
  return (
    <div className="snooze-menu" data-testid="snooze-menu">
      <div className="action-row">
        {PRESETS.map((p) => {
          const at = snoozeAt(p, now);
          return (
            <button key={p} type="button" disabled={disabled} title={fmt.dateTime(at.toISOString())} data-testid={`snooze-${p}`} onClick={() => onSnooze(at.toISOString())}>
              {t(`workspace.snooze.${p}`)}
            </button>
          );
        })}
      </div>
      <form
        className="action-row"
        onSubmit={(e) => {
          e.preventDefault();
          onSnooze(new Date(custom).toISOString());
        }}
      >
        <label>
          {t('actions.snoozeUntil')} <input type="datetime-local" value={custom} min={toLocalInput(now)} onChange={(e) => setCustom(e.target.value)} required />
        </label>
        <button type="submit" disabled={disabled}>
          {t('actions.apply')}
        </button>
      </form>
    </div>
  );
}
