// The models a run produced, with their metrics and lineage (run ids in the lineage link to runs).
import type { ReactNode } from 'react';
import type { ModelListView } from '@anchorage/sdk';
import { client } from '../api';
import { ErrorBox, Loading } from '../components/common';
import { useAsync } from '../hooks';
import { formatCompact, formatTime, formatValue } from '../lib/format';
import { runHref } from '../lib/route';

export function RunArtifacts({ runId, refreshKey }: { runId: string; refreshKey: string }) {
  const models = useAsync<ModelListView>(() => client().listModels({ runId }), [runId, refreshKey]);
  if (models.error) return <ErrorBox error={models.error} />;
  if (!models.data) return <Loading what="Loading models" />;
  if (models.data.models.length === 0) return <p className="muted">This run has not registered any model.</p>;
  return (
    <div className="models" data-testid="models">
      {models.data.models.map((m) => (
        <div key={m.id} className="model" data-testid={`model-${m.id}`}>
          <div className="model-head">
            <strong>{m.name}</strong> <span className="tag">{m.kind}</span>
            <span className="muted small mono"> {m.id}</span>
            <span className="muted small"> · {m.params === null ? '—' : `${formatCompact(m.params)} params`} · {formatTime(m.createdAt)}</span>
          </div>
          <div className="small mono wrap">{m.artifactUri}</div>
          <div className="model-grid">
            <div>
              <h4>metrics</h4>
              <Tree value={m.metrics} />
            </div>
            <div>
              <h4>lineage</h4>
              <Tree value={m.lineage} />
            </div>
          </div>
        </div>
      ))}
    </div>
  );
}

/** JSON as a compact nested list; values under keys naming a run become links to that run. */
export function Tree({ value, keyName }: { value: unknown; keyName?: string }): ReactNode {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) {
      return (
        <span>
          [
          {value.map((v, i) => (
            <span key={i}>
              {i ? ', ' : ''}
              <Tree value={v} keyName={keyName} />
            </span>
          ))}
          ]
        </span>
      );
    }
    return (
      <ol className="tree">
        {value.map((v, i) => (
          <li key={i}>
            <Tree value={v} keyName={keyName} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return <span className="muted">{'{}'}</span>;
    return (
      <ul className="tree">
        {entries.map(([k, v]) => (
          <li key={k}>
            <span className="tree-key">{k}</span> <Tree value={v} keyName={k} />
          </li>
        ))}
      </ul>
    );
  }
  if (typeof value === 'string' && keyName && /run(id|ids|s)?$/i.test(keyName)) {
    return (
      <a className="mono" href={runHref(value)}>
        {value}
      </a>
    );
  }
  if (typeof value === 'number') return <span className="mono">{formatValue(value)}</span>;
  return <span className="mono">{String(value)}</span>;
}
