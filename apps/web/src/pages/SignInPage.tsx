// Sign in with an API key: checked with GET /v1/me, then kept in this tab's sessionStorage. The hash
// route is left alone, so the page the user asked for opens once signed in.
import { useState, type FormEvent } from 'react';
import type { MeView } from '@anchorage/sdk';
import { errorMessage, isUnauthorized, signIn } from '../api';

export function SignInPage({ onSignedIn, notice }: { onSignedIn: (me: MeView) => void; notice?: string }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(notice);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!key.trim()) {
      setError('enter an API key');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const me = await signIn(key);
      onSignedIn(me);
    } catch (err) {
      setError(isUnauthorized(err) ? 'invalid or revoked key' : errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <div className="signin" data-testid="signin-page">
      <form className="card signin-card" onSubmit={(e) => void submit(e)} noValidate>
        <h1>Sign in</h1>
        <p className="muted">
          Paste an Anchorage API key. It stays in this browser tab only (cleared when the tab closes or you sign out). An admin creates keys on the Keys page or
          with <code>POST /v1/keys</code>; <code>npm run demo</code> prints the bootstrap admin key.
        </p>
        <label className="stacked">
          <span>API key</span>
          <input
            type="password"
            name="api-key"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="anc_…"
            data-testid="signin-key"
          />
        </label>
        {error ? (
          <div className="error-box" role="alert" data-testid="signin-error">
            {error}
          </div>
        ) : null}
        <div>
          <button type="submit" className="primary" disabled={busy} data-testid="signin-submit">
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </div>
  );
}
