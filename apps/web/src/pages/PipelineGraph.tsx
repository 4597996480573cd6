// A pipeline's steps as a dependency graph: columns by depth (the longest path from a root), a box
// per step, SVG curves from each dependency to the step that waits on it.
import { useMemo } from 'react';
import type { PipelineView } from '@anchorage/sdk';
import { StatusPill } from '../components/common';
import { DEFAULT_BOX, edgePath, layoutDag } from '../lib/dag';
import { tailId } from '../lib/format';
import { runHref } from '../lib/route';

type Step = PipelineView['steps'][number];

export function PipelineGraph({ steps }: { steps: Step[] }) {
  const layout = useMemo(() => layoutDag(steps), [steps]);
  const byId = useMemo(() => new Map(steps.map((s) => [s.id, s])), [steps]);
  const box = DEFAULT_BOX;
  return (
    <div className="dag-scroll">
      <div className="dag" data-testid="pipeline-graph" data-edges={layout.edges.length} style={{ width: layout.width, height: layout.height }}>
        <svg className="dag-edges" width={layout.width} height={layout.height} aria-hidden="true">
          <defs>
            <marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className="dag-arrow" />
            </marker>
          </defs>
          {layout.edges.map((e) => (
            <path
              key={`${e.from}->${e.to}`}
              d={edgePath(e)}
              className={`dag-edge edge-${byId.get(e.from)?.status ?? 'pending'}`}
              markerEnd="url(#dag-arrow)"
              data-testid={`pipeline-edge-${e.from}-${e.to}`}
            />
          ))}
        </svg>
        {layout.nodes.map((n) => {
          const step = byId.get(n.id)!;
          return (
            <div
              key={n.id}
              className={`dag-node node-${step.status}`}
              style={{ left: n.x, top: n.y, width: box.width, height: box.height }}
              data-testid={`pipeline-step-${step.id}`}
              data-status={step.status}
              data-depth={n.depth}
            >
              <div className="dag-node-head">
                <strong className="mono" title={step.id}>
                  {step.id}
                </strong>
                <span className="tag">{step.type}</span>
                <span className="spacer" />
                <StatusPill status={step.status} />
              </div>
              <StepTarget step={step} />
              {step.error ? (
                <div className="dag-node-error error-text small" title={step.error}>
                  {step.error}
                </div>
              ) : null}
            </div>
          );
        })}
      </div>
    </div>
  );
}

/**
 * What a step made: a link to its run page, or to its family's (or exported model's) JSON; "—"
 * before it started.
 */
export function StepTarget({ step }: { step: Step }) {
  if (step.runId) {
    return (
      <a href={runHref(step.runId)} className="mono small" title={step.runId}>
        run {tailId(step.runId)}
      </a>
    );
  }
  if (step.familyId) {
    return (
      <a href={`/v1/families/${encodeURIComponent(step.familyId)}`} target="_blank" rel="noreferrer" className="mono small" title={step.familyId}>
        family {tailId(step.familyId)} ↗
      </a>
    );
  }
  const modelId = (step.outputs as { modelId?: unknown } | null)?.modelId;
  if (typeof modelId === 'string') {
    return (
      <a href={`/v1/models/${encodeURIComponent(modelId)}`} target="_blank" rel="noreferrer" className="mono small" title={modelId}>
        model {tailId(modelId)} ↗
      </a>
    );
  }
  return <span className="muted small">—</span>;
}
