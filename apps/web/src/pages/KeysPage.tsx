// API keys (admins): the keys with their role, prefix and use; create one (its secret is shown once,
// here, and never again: the API keeps only a digest); revoke one (it stops working at once). Below,
// the latest entries of the audit log.
import { IssueList } from '../components/IssueList';
import { useState, type FormEvent } from 'react';
import { AnchorageApiError, type AuditListView, type CreatedKeyView, type KeyView } from '@anchorage/sdk';
import { client, errorMessage } from '../api';
import { ErrorBox, Loading, PageLoaded, Section } from '../components/common';
import { useAsync } from '../hooks';
import { formatTime } from '../lib/format';
import { canManageKeys, ROLE_CHOICES, type Role } from '../lib/permissions';
import { useMe } from '../session';

const AUDIT_LIMIT = 25;

export function KeysPage() {
  const me = useMe();
  if (!canManageKeys(me)) {
    return (
      <div className="page">
        <h1>Keys</h1>
        <div className="role-note" data-testid="keys-forbidden">
          Only admins manage API keys; you are signed in as a {me.role}.
        </div>
      </div>
    );
  }
  return <KeysAdmin />;
}

function KeysAdmin() {
  const me = useMe();
  const keys = useAsync<{ keys: KeyView[] }>(() => client().listKeys(), []);
  const audit = useAsync<AuditListView>(() => client().audit({ limit: AUDIT_LIMIT }), []);
  const [created, setCreated] = useState<CreatedKeyView>();
  const [revoking, setRevoking] = useState<string>();
  const [revokeError, setRevokeError] = useState<unknown>();

  const changed = () => {
    keys.reload();
    audit.reload();
  };

  const revoke = async (key: KeyView) => {
    const own = key.id === me.id ? ' This is the key you are signed in with: you will be signed out.' : '';
    if (!window.confirm(`Revoke the key "${key.name}" (${key.prefix}…)? Anything using it is refused from now on.${own}`)) return;
    setRevoking(key.id);
    setRevokeError(undefined);
    try {
      await client().revokeKey(key.id);
      if (created?.id === key.id) setCreated(undefined);
      changed();
    } catch (error) {
      setRevokeError(error);
    } finally {
      setRevoking(undefined);
    }
  };

  const list = keys.data?.keys;
  return (
    <div className="page" data-testid="keys-page">
      <div className="toolbar">
        <h1>Keys</h1>
        <span className="spacer" />
        {list ? <span className="muted">{list.length} keys</span> : null}
      </div>

      <Section title="Create a key">
        <CreateKeyForm
          onCreated={(key) => {
            setCreated(key);
            changed();
          }}
        />
        {created ? <SecretBox created={created} onDone={() => setCreated(undefined)} /> : null}
      </Section>

      <ErrorBox error={keys.error} />
      <ErrorBox error={revokeError} title="Revoke failed" />
      {!list && !keys.error ? <Loading what="Loading keys" /> : null}
      {list ? (
        <>
          <PageLoaded />
          {list.length === 0 ? (
            <p className="muted">No keys yet: the bootstrap admin key (ANCHORAGE_ADMIN_KEY) is the only one.</p>
          ) : (
            <table className="table" data-testid="keys-table">
              <thead>
                <tr>
                  <th>name</th>
                  <th>role</th>
                  <th>prefix</th>
                  <th>created</th>
                  <th>created by</th>
                  <th>last used</th>
                  <th>revoked</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((k) => (
                  <tr key={k.id} data-testid={`key-row-${k.id}`} data-key-name={k.name} className={k.revokedAt ? 'dim' : undefined}>
                    <td>
                      <span title={k.id}>{k.name}</span>
                      {k.id === me.id ? <span className="muted small"> (you)</span> : null}
                    </td>
                    <td>{k.role}</td>
                    <td className="mono">{k.prefix}…</td>
                    <td className="small">{formatTime(k.createdAt)}</td>
                    <td className="small mono">{k.createdBy}</td>
                    <td className="small">{k.lastUsedAt ? formatTime(k.lastUsedAt) : 'never'}</td>
                    <td className="small" data-testid="key-revoked" data-revoked={k.revokedAt ? 'true' : 'false'}>
                      {k.revokedAt ? <span className="error-text">revoked {formatTime(k.revokedAt)}</span> : '—'}
                    </td>
                    <td>
                      {k.revokedAt ? null : (
                        <button className="danger" disabled={revoking === k.id} onClick={() => void revoke(k)} data-testid={`key-revoke-${k.id}`}>
                          {revoking === k.id ? 'Revoking…' : 'Revoke'}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}

      <Section title="Audit log (latest)">
        <ErrorBox error={audit.error} />
        {audit.data ? <AuditTable events={audit.data.events} /> : audit.error ? null : <Loading what="Loading the audit log" />}
      </Section>
    </div>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (key: CreatedKeyView) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const key = await client().createKey({ name: name.trim(), role });
      setName('');
      onCreated(key);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const issues = error instanceof AnchorageApiError ? error.issues : [];
  return (
    <form className="key-form" onSubmit={(e) => void submit(e)} noValidate>
      <label className="stacked">
        name
        <input type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. ci-pipeline" maxLength={100} data-testid="key-name" />
      </label>
      <label className="stacked">
        role
        <select value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="key-role">
          {ROLE_CHOICES.map((c) => (
            <option key={c.role} value={c.role}>
              {c.role} — {c.summary}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={busy || !name.trim()} data-testid="key-create">
        {busy ? 'Creating…' : 'Create key'}
      </button>
      {error ? (
        <div className="error-box" role="alert" data-testid="key-create-error" style={{ flexBasis: '100%' }}>
          <strong>{errorMessage(error)}</strong>
          <IssueList issues={issues} />
        </div>
      ) : null}
    </form>
  );
}

function SecretBox({ created, onDone }: { created: CreatedKeyView; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      setCopied('no'); // no clipboard (plain http, permissions): the text is selectable
    }
  };
  return (
    <div className="secret-box" role="status">
      <div>
        Key <strong>{created.name}</strong> ({created.role}) created. Copy its secret now: <strong>it is not shown again</strong> (the API stores only a digest of
        it). Send it as <code>Authorization: Bearer &lt;key&gt;</code>.
      </div>
      <div className="secret">
        <code data-testid="key-secret">{created.key}</code>
        <button type="button" onClick={() => void copy()} data-testid="key-copy">
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={onDone} data-testid="key-secret-done">
          Done
        </button>
      </div>
      {copied === 'no' ? <div className="small">The clipboard is not available here: select the key (one click selects it all) and copy it.</div> : null}
    </div>
  );
}

function AuditTable({ events }: { events: AuditListView['events'] }) {
  if (events.length === 0) return <p className="muted">Nothing recorded yet.</p>;
  return (
    <table className="table compact" data-testid="audit-table">
      <thead>
        <tr>
          <th>when</th>
          <th>who</th>
          <th>role</th>
          <th>action</th>
          <th>target</th>
          <th>from</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id}>
            <td className="small">{formatTime(e.at)}</td>
            <td>
              <span title={e.actor}>{e.actorName}</span>
            </td>
            <td>{e.role}</td>
            <td className="mono small">{e.action}</td>
            <td className="mono small">{e.target ?? '—'}</td>
            <td className="small">{e.source ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
