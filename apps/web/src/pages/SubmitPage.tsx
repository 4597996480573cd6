// Submit a run: a form generated from the kind's spec JSON Schema (empty = the default), or the raw
// request body as JSON. The API validates; its issues are shown next to the fields they name.
import { IssueList } from '../components/IssueList';
import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { AnchorageApiError, type CatalogView, type CreateRunInput } from '@anchorage/sdk';
import { client, errorMessage } from '../api';
import { ErrorBox, Loading, PageLoaded } from '../components/common';
import { useAsync } from '../hooks';
import { canSubmit } from '../lib/permissions';
import { runHref } from '../lib/route';
import {
  buildValue,
  fieldPaths,
  matchIssues,
  placeholderFor,
  schemaToField,
  valuesFor,
  type ApiIssueLike,
  type FormField,
  type FormValues,
  type JsonSchema,
} from '../lib/schemaForm';
import { useMe } from '../session';

type KindEntry = CatalogView['kinds'][number];

export function SubmitPage() {
  const me = useMe();
  if (!canSubmit(me)) {
    return (
      <div className="page">
        <h1>Submit a run</h1>
        <div className="role-note" data-testid="submit-forbidden">
          You are signed in with a {me.role} key, which can read everything but not submit runs. Ask an admin for a submitter key.
        </div>
      </div>
    );
  }
  return <SubmitLoader />;
}

function SubmitLoader() {
  const catalog = useAsync<CatalogView>(() => client().catalog(), []);
  return (
    <div className="page">
      <h1>Submit a run</h1>
      <ErrorBox error={catalog.error} />
      {catalog.data ? <SubmitForm kinds={catalog.data.kinds} /> : catalog.error ? null : <Loading what="Loading the job catalog" />}
    </div>
  );
}

function envelopeFields(kind: KindEntry): FormField[] {
  return [
    { kind: 'text', path: 'name', label: 'name', required: false, description: 'Shown in the runs table' },
    { kind: 'number', path: 'priority', label: 'priority', required: false, integer: true, defaultValue: 0, min: -100, max: 100, hint: '−100…100, higher first' },
    { kind: 'enum', path: 'resources.accelerator', label: 'accelerator', required: false, options: ['cpu', 'gpu', 'any'], defaultValue: kind.defaultAccelerator },
    { kind: 'number', path: 'maxAttempts', label: 'maxAttempts', required: false, integer: true, defaultValue: 3, min: 1, max: 20, hint: '1…20' },
  ];
}

function exampleOf(entry: KindEntry): unknown {
  return 'example' in entry ? entry.example : undefined;
}

function SubmitForm({ kinds }: { kinds: KindEntry[] }) {
  const [kindName, setKindName] = useState(() => (kinds.find((k) => k.supported) ?? kinds[0])?.kind ?? '');
  const kind = kinds.find((k) => k.kind === kindName);
  const [values, setValues] = useState<FormValues>({});
  const [raw, setRaw] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [banner, setBanner] = useState<{ message: string; issues: ApiIssueLike[] } | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const specField = useMemo(() => (kind ? schemaToField(kind.specSchema as JsonSchema, 'spec', 'spec') : null), [kind]);
  const envelope = useMemo(() => (kind ? envelopeFields(kind) : []), [kind]);
  if (!kind || !specField) return <p className="muted">The catalog has no job kinds.</p>;

  const allFields = [...envelope, specField];
  const knownPaths = allFields.flatMap(fieldPaths).filter((p) => !(p === 'spec' && specField.kind === 'object'));

  /** The request body from the form, and problems found before sending. */
  const buildBody = (): { body: Record<string, unknown>; errors: Record<string, string> } => {
    const body: Record<string, unknown> = { kind: kind.kind };
    const errors: Record<string, string> = {};
    for (const field of envelope) {
      const r = buildValue(field, values);
      Object.assign(errors, r.errors);
      if (!r.present) continue;
      if (field.path === 'resources.accelerator') body.resources = { accelerator: r.value };
      else body[field.path] = r.value;
    }
    const spec = buildValue(specField, values);
    Object.assign(errors, spec.errors);
    if (spec.present) body.spec = spec.value;
    return { body, errors };
  };

  /** Form values for a request body (raw JSON → form, or an example). */
  const valuesFromBody = (body: Record<string, unknown>): FormValues => {
    const out: FormValues = {};
    for (const field of envelope) {
      const value = field.path === 'resources.accelerator' ? (body.resources as { accelerator?: unknown } | undefined)?.accelerator : body[field.path];
      valuesFor(field, value, out);
    }
    valuesFor(specField, body.spec, out);
    return out;
  };

  const changeKind = (next: string) => {
    setKindName(next);
    setValues({});
    setFieldErrors({});
    setBanner(null);
    if (raw !== null) setRaw(JSON.stringify({ kind: next, spec: {} }, null, 2));
  };

  const toggleRaw = () => {
    if (raw === null) {
      setRaw(JSON.stringify(buildBody().body, null, 2));
      return;
    }
    try {
      const body = JSON.parse(raw) as Record<string, unknown>;
      if (typeof body.kind === 'string' && body.kind !== kindName && kinds.some((k) => k.kind === body.kind)) {
        setBanner({ message: 'Switch the kind with the selector; the raw body names another kind.', issues: [] });
        return;
      }
      setValues(valuesFromBody(body));
      setRaw(null);
    } catch (error) {
      setBanner({ message: `The raw body is not valid JSON: ${errorMessage(error)}`, issues: [] });
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFieldErrors({});
    setBanner(null);
    let body: Record<string, unknown>;
    if (raw !== null) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch (error) {
        setBanner({ message: `The raw body is not valid JSON: ${errorMessage(error)}`, issues: [] });
        return;
      }
    } else {
      const built = buildBody();
      if (Object.keys(built.errors).length) {
        setFieldErrors(Object.fromEntries(Object.entries(built.errors).map(([p, m]) => [p, [m]])));
        return;
      }
      body = built.body;
    }
    setSubmitting(true);
    try {
      // The body is checked by the API (its issues come back below), not by the compiler.
      const run = await client().submitRun(body as CreateRunInput);
      window.location.hash = runHref(run.id);
    } catch (error) {
      if (error instanceof AnchorageApiError && error.issues.length) {
        const { byPath, unmatched } = raw !== null ? { byPath: {}, unmatched: error.issues } : matchIssues(error.issues, knownPaths);
        setFieldErrors(byPath);
        setBanner({ message: error.message, issues: unmatched });
      } else {
        setBanner({ message: errorMessage(error), issues: [] });
      }
    } finally {
      setSubmitting(false);
    }
  };

  const set = (path: string, value: string) => setValues((v) => ({ ...v, [path]: value }));
  const example = exampleOf(kind);

  return (
    <form className="submit-form" onSubmit={(e) => void submit(e)} data-testid="submit-form" noValidate>
      <PageLoaded />
      <div className="toolbar">
        <label className="inline">
          kind
          <select value={kindName} onChange={(e) => changeKind(e.target.value)} data-testid="field-kind">
            {kinds.map((k) => (
              <option key={k.kind} value={k.kind} disabled={!k.supported}>
                {k.kind}
                {k.supported ? '' : ' (not supported yet)'}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">{kind.description}</span>
        <span className="spacer" />
        {example !== undefined && raw === null ? (
          <button type="button" onClick={() => setValues(valuesFromBody({ ...(example as Record<string, unknown>) }))} data-testid="load-example">
            Load example
          </button>
        ) : null}
        <button type="button" onClick={toggleRaw} data-testid="raw-toggle">
          {raw === null ? 'Edit raw JSON' : 'Back to the form'}
        </button>
      </div>

      {banner ? (
        <div className="error-box" role="alert" data-testid="submit-error">
          <strong>{banner.message}</strong>
          <IssueList issues={banner.issues} />
        </div>
      ) : null}

      {raw !== null ? (
        <textarea className="raw" value={raw} onChange={(e) => setRaw(e.target.value)} rows={24} spellCheck={false} data-testid="raw-body" />
      ) : (
        <>
          <fieldset>
            <legend>run</legend>
            <div className="field-grid">
              {envelope.map((f) => (
                <FieldView key={f.path} field={f} values={values} errors={fieldErrors} set={set} />
              ))}
            </div>
          </fieldset>
          <FieldView field={specField} values={values} errors={fieldErrors} set={set} />
        </>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={submitting || !kind.supported} data-testid="submit-button">
          {submitting ? 'Submitting…' : `Submit ${kind.kind} run`}
        </button>
        <span className="muted small">Empty fields use the defaults shown in grey.</span>
      </div>
    </form>
  );
}

function FieldErrors({ path, errors }: { path: string; errors: Record<string, string[]> }) {
  const list = errors[path];
  if (!list?.length) return null;
  return (
    <div className="field-error" data-testid={`field-error-${path}`}>
      {list.join('; ')}
    </div>
  );
}

function FieldView({ field, values, errors, set }: { field: FormField; values: FormValues; errors: Record<string, string[]>; set: (path: string, value: string) => void }) {
  if (field.kind === 'object') {
    const scalars = field.fields.filter((f) => f.kind !== 'object' && f.kind !== 'json');
    const rest = field.fields.filter((f) => f.kind === 'object' || f.kind === 'json');
    return (
      <fieldset data-testid={`field-${field.path}`}>
        <legend>
          {field.label}
          {field.required ? ' *' : ''}
        </legend>
        {field.description ? <div className="hint">{field.description}</div> : null}
        <FieldErrors path={field.path} errors={errors} />
        <div className="field-grid">
          {scalars.map((f) => (
            <FieldView key={f.path} field={f} values={values} errors={errors} set={set} />
          ))}
        </div>
        {rest.map((f) => (
          <FieldView key={f.path} field={f} values={values} errors={errors} set={set} />
        ))}
      </fieldset>
    );
  }
  const value = values[field.path] ?? '';
  const placeholder = placeholderFor(field);
  const invalid = errors[field.path]?.length ? true : undefined;
  let input: ReactNode;
  switch (field.kind) {
    case 'number':
      input = (
        <input
          type="number"
          step={field.integer ? 1 : 'any'}
          value={value}
          placeholder={placeholder}
          onChange={(e) => set(field.path, e.target.value)}
          aria-invalid={invalid}
          data-testid={`field-${field.path}`}
        />
      );
      break;
    case 'text':
      input = <input type="text" value={value} placeholder={placeholder} onChange={(e) => set(field.path, e.target.value)} aria-invalid={invalid} data-testid={`field-${field.path}`} />;
      break;
    case 'boolean':
    case 'enum': {
      const options = field.kind === 'boolean' ? [true, false] : field.options;
      input = (
        <select value={value} onChange={(e) => set(field.path, e.target.value)} aria-invalid={invalid} data-testid={`field-${field.path}`}>
          <option value="">{field.defaultValue !== undefined ? `default (${String(field.defaultValue)})` : '—'}</option>
          {options.map((o, i) => (
            <option key={i} value={field.kind === 'boolean' ? String(o) : String(i)}>
              {String(o)}
            </option>
          ))}
        </select>
      );
      break;
    }
    case 'json': {
      const hint = field.defaultValue !== undefined ? JSON.stringify(field.defaultValue, null, 2) : field.variants?.length ? placeholder : 'JSON';
      input = (
        <textarea
          value={value}
          placeholder={hint}
          onChange={(e) => set(field.path, e.target.value)}
          rows={Math.min(8, Math.max(3, hint.split('\n').length))}
          spellCheck={false}
          aria-invalid={invalid}
          data-testid={`field-${field.path}`}
        />
      );
      break;
    }
  }
  const hint = field.kind === 'number' ? [field.integer ? 'integer' : 'number', field.hint].filter(Boolean).join(', ') : field.kind === 'json' ? 'JSON' : undefined;
  return (
    <div className={`field${field.kind === 'json' ? ' field-wide' : ''}`}>
      <label>
        <span className="field-label">
          {field.label}
          {field.required ? ' *' : ''}
          {hint ? <span className="hint"> {hint}</span> : null}
        </span>
        {input}
      </label>
      {field.description ? <div className="hint">{field.description}</div> : null}
      <FieldErrors path={field.path} errors={errors} />
    </div>
  );
}
