import { useState, type FormEvent } from 'react';
import { api, type CreateSubscription, type Subscription } from '../api';
import { ErrorBox, errorText } from '../util';

/** Comma- or line-separated words, trimmed, empty ones dropped. */
const words = (s: string) =>
  s
    .split(/[,\n]/)
    .map((w) => w.trim())
    .filter(Boolean);

type ChannelType = 'webhook' | 'slack' | 'email';

/** The request body from the form's fields: absent filter fields are left out, not sent empty. */
function bodyOf(f: FormData, type: ChannelType): CreateSubscription {
  const get = (k: string) => String(f.get(k) ?? '').trim();
  const filter: CreateSubscription['filter'] = {
    outcome: get('outcome') as 'success' | 'failure' | 'any',
    ...(words(get('actions')).length ? { actions: words(get('actions')) } : {}),
    ...(get('application') ? { application: get('application') } : {}),
    ...(get('project') ? { project: get('project') } : {}),
    ...(get('clusterSelector') ? { clusterSelector: get('clusterSelector') } : {}),
  };
  const channel: CreateSubscription['channel'] =
    type === 'email'
      ? {
          type,
          to: words(get('to')),
          smtp: {
            host: get('smtpHost'),
            port: Number(get('smtpPort')),
            from: get('smtpFrom'),
            tls: get('smtpTls') as 'starttls' | 'tls',
            ...(get('smtpUsername') ? { username: get('smtpUsername') } : {}),
            ...(get('smtpPassword') ? { password: get('smtpPassword') } : {}),
          },
        }
      : { type, url: get('url') };
  return { name: get('name'), filter, channel, enabled: f.get('enabled') === 'on' };
}

/**
 * The webhook signing secret, shown once after creation: the hub keeps it sealed and never
 * answers it again, so the operator copies it now into the receiver's configuration.
 */
function SigningSecret({ secret, onDone }: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser refused the clipboard: select the secret and copy it by hand.');
    }
  };
  return (
    <div className="conflict" role="alert" data-testid="signing-secret">
      <p>
        <strong>Store this signing secret now: it is shown only once.</strong> The receiver checks the{' '}
        <code>X-Flotilla-Signature</code> header with it. Lost, it can only be replaced (rotate).
      </p>
      <label>
        Signing secret
        <input readOnly value={secret} name="signing-secret" onFocus={(e) => e.currentTarget.select()} />
      </label>{' '}
      <button type="button" onClick={() => void copy()}>
        Copy
      </button>{' '}
      <button type="button" className="secondary" onClick={onDone}>
        I have stored it
      </button>
      {copied && (
        <p className="small" role="status">
          {copied}
        </p>
      )}
    </div>
  );
}

/** The create form: the filter's fields, the channel type and that type's fields. */
export function SubscriptionForm({ onCreated }: { onCreated: (s: Subscription) => void }) {
  const [type, setType] = useState<ChannelType>('webhook');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    setBusy(true);
    setError(null);
    try {
      const s = await api<Subscription>('POST', '/api/v1/notifications/subscriptions', {
        body: bodyOf(new FormData(form), type),
      });
      form.reset();
      setType('webhook');
      if (s.signingSecret) setSecret(s.signingSecret);
      onCreated(s);
    } catch (err) {
      setError(`Create failed: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {secret && <SigningSecret secret={secret} onDone={() => setSecret(null)} />}
      <form className="subscription-form" onSubmit={submit} aria-labelledby="new-subscription-title">
        <h2 id="new-subscription-title">New subscription</h2>
        <label>
          Name
          <input name="name" required maxLength={63} />
        </label>
        <fieldset>
          <legend>Which events</legend>
          <label>
            Actions (comma-separated; a prefix ends in . or *)
            <input name="actions" placeholder="sync.failed, rollout.*" />
          </label>
          <label>
            Application
            <input name="application" />
          </label>
          <label>
            Project
            <input name="project" />
          </label>
          <label>
            Cluster selector
            <input name="clusterSelector" placeholder="env=prod" />
          </label>
          <label>
            Outcome
            <select name="outcome" defaultValue="any">
              <option value="any">any</option>
              <option value="success">success</option>
              <option value="failure">failure</option>
            </select>
          </label>
        </fieldset>
        <fieldset>
          <legend>Where to</legend>
          <label>
            Channel type
            <select name="type" value={type} onChange={(e) => setType(e.target.value as ChannelType)}>
              <option value="webhook">webhook (signed JSON)</option>
              <option value="slack">Slack incoming webhook</option>
              <option value="email">e-mail (SMTP)</option>
            </select>
          </label>
          {type !== 'email' ? (
            <label>
              {type === 'slack' ? 'Slack webhook URL (kept secret)' : 'Webhook URL'}
              <input name="url" type="url" required />
            </label>
          ) : (
            <>
              <label>
                Recipients (comma-separated)
                <input name="to" required />
              </label>
              <label>
                SMTP host
                <input name="smtpHost" required />
              </label>
              <label>
                SMTP port
                <input name="smtpPort" type="number" min={1} max={65535} defaultValue={587} required />
              </label>
              <label>
                TLS
                <select name="smtpTls" defaultValue="starttls">
                  <option value="starttls">STARTTLS (required)</option>
                  <option value="tls">TLS from the start</option>
                </select>
              </label>
              <label>
                SMTP user name
                <input name="smtpUsername" autoComplete="off" />
              </label>
              <label>
                SMTP password (kept secret)
                <input name="smtpPassword" type="password" autoComplete="new-password" />
              </label>
              <label>
                From
                <input name="smtpFrom" type="email" required />
              </label>
            </>
          )}
        </fieldset>
        <label className="inline">
          <input type="checkbox" name="enabled" defaultChecked /> Enabled
        </label>
        <ErrorBox error={error} />
        <div className="actions">
          <button type="submit" disabled={busy}>
            Create subscription
          </button>
        </div>
      </form>
    </>
  );
}
