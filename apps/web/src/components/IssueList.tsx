// The `issues` of an API error, one line per field.
export function IssueList({ issues }: { issues: readonly { path: string; message: string }[] }) {
  if (!issues.length) return null;
  return (
    <ul>
      {issues.map((issue, n) => (
        <li key={n}>
          <span className="mono">{issue.path || '(body)'}</span>: {issue.message}
        </li>
      ))}
    </ul>
  );
}
