import { useTranslation } from 'react-i18next';
import type { Inbox } from '../../api/types';
import { parseSlackChannels, slackEventsUrl, slackManifest } from '../../lib/inbox-forms';
import { CopyBlock } from './copy-block';
import './inbox-forms.css';

export interface SlackForm {
  botToken: string;
  signingSecret: string;
  channels: string;
}

export const initialSlack = (): SlackForm => ({ botToken: '', signingSecret: '', channels: '' });

export function slackBody(f: SlackForm): Record<string, unknown> {
  const { channels } = parseSlackChannels(f.channels);
  return { botToken: f.botToken.trim(), signingSecret: f.signingSecret.trim(), ...(channels.length ? { channels } : {}) };
}

export function slackReady(f: SlackForm): boolean {
  return /^xoxb-/.test(f.botToken.trim()) && f.signingSecret.trim().length > 0 && parseSlackChannels(f.channels).invalid.length === 0;
}

/** The three steps at Slack (manifest, install, credentials) beside the fields they produce. */
export function SlackFields({ value: f, onChange, appName }: { value: SlackForm; onChange(f: SlackForm): void; appName: string }) {
  const { t } = useTranslation();
  const set = (k: keyof SlackForm) => (e: { target: { value: string } }) => onChange({ ...f, [k]: e.target.value });
  const { invalid } = parseSlackChannels(f.channels);
  const tokenLooksWrong = f.botToken.trim() !== '' && !/^xoxb-/.test(f.botToken.trim());
  return (
    <fieldset className="inbox-kind-form" data-testid="slack-form">
      <legend>{t('channel.slack')}</legend>
      <ol className="small steps">
        <li>{t('inboxForms.slack.step1')}</li>
        <li>{t('inboxForms.slack.step2')}</li>
        <li>{t('inboxForms.slack.step3')}</li>
      </ol>
      <CopyBlock value={slackManifest(appName, slackEventsUrl(window.location.origin, null))} label={t('inboxForms.slack.manifest')} testId="slack-manifest" />
      <label className="field">
        <span>{t('inboxForms.slack.botToken')}</span>
        <input name="slack-bot-token" type="password" autoComplete="off" value={f.botToken} onChange={set('botToken')} required placeholder="xoxb-…" />
      </label>
      {tokenLooksWrong && (
        <div className="error small" role="alert">
          {t('inboxForms.slack.tokenShape')}
        </div>
      )}
      <label className="field">
        <span>{t('inboxForms.slack.signingSecret')}</span>
        <input name="slack-signing-secret" type="password" autoComplete="off" value={f.signingSecret} onChange={set('signingSecret')} required />
      </label>
      <label className="field">
        <span>{t('inboxForms.slack.channels')}</span>
        <input name="slack-channels" value={f.channels} onChange={set('channels')} placeholder="C0123ABCD" />
        <small className="muted">{t('inboxForms.slack.channelsHint')}</small>
      </label>
      {invalid.length > 0 && (
        <div className="error small" role="alert">
          {t('inboxForms.slack.channelsInvalid', { list: invalid.join(', ') })}
        </div>
      )}
    </fieldset>
  );
}

/** After creation: the exact Request URL for Event Subscriptions, and the manifest with it filled in. */
export function SlackSetup({ inbox }: { inbox: Inbox }) {
  const { t } = useTranslation();
  if (inbox.channel !== 'slack') return null;
  const url = slackEventsUrl(window.location.origin, inbox.id);
  return (
    <div className="small" data-testid="slack-setup">
      <p>{t('inboxForms.slack.requestUrlHint')}</p>
      <CopyBlock value={url} label={t('inboxForms.slack.requestUrl')} testId="slack-request-url" />
      <CopyBlock value={slackManifest(inbox.name, url)} label={t('inboxForms.slack.manifest')} testId="slack-manifest-final" />
    </div>
  );
}
