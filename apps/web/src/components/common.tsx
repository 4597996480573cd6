// Small shared pieces: status pills, loading/error states, collapsible JSON, the page-loaded marker,
// header facts.
import type { ReactNode } from 'react';
import { errorMessage } from '../api';

export function StatusPill({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`pill pill-${status}`} data-testid={testId} data-status={status}>
      {status}
    </span>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <div className="loading">{what}…</div>;
}

export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert" data-testid="error">
      {title ? <strong>{title}: </strong> : null}
      {errorMessage(error)}
    </div>
  );
}

/** Rendered once a page's first data arrived; browser tests wait for it. */
export function PageLoaded() {
  return <span data-testid="page-loaded" hidden />;
}

export function JsonBlock({ value, summary, open = false }: { value: unknown; summary: ReactNode; open?: boolean }) {
  return (
    <details className="json" open={open}>
      <summary>{summary}</summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

export function ProgressBar({ value }: { value: number }) {
  const pct = Math.round(Math.min(Math.max(value, 0), 1) * 100);
  return (
    <div className="progress" title={`${pct}%`}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
      <span className="progress-text">{pct}%</span>
    </div>
  );
}

export function Section({ title, children, actions }: { title: ReactNode; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card">
      <header className="card-head">
        <h2>{title}</h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** One labelled value of a page header's fact grid (`<dl className="facts">`). */
export function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="fact" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
