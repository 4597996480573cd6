// The shell: a nav bar and the page for the current hash route.
import { useRoute } from './hooks';
import { ComparePage } from './pages/ComparePage';
import { PipelinePage } from './pages/PipelinePage';
import { PipelinesPage } from './pages/PipelinesPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { SubmitPage } from './pages/SubmitPage';
import { SweepPage } from './pages/SweepPage';
import { SweepsPage } from './pages/SweepsPage';
import { WorkersPage } from './pages/WorkersPage';

export function App() {
  const route = useRoute();
  // A detail page lights up its list's entry.
  const active = ({ run: 'runs', sweep: 'sweeps', pipeline: 'pipelines' } as Record<string, string>)[route.page] ?? route.page;
  const link = (page: string, href: string, label: string) => (
    <a href={href} className={active === page ? 'active' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header className="topbar">
        <a className="brand" href="#/runs">
          ⚓ Anchorage
        </a>
        <nav>
          {link('runs', '#/runs', 'Runs')}
          {link('compare', '#/compare', 'Compare')}
          {link('sweeps', '#/sweeps', 'Sweeps')}
          {link('pipelines', '#/pipelines', 'Pipelines')}
          {link('workers', '#/workers', 'Workers')}
          {link('submit', '#/submit', 'Submit')}
        </nav>
        <span className="spacer" />
        <nav className="external">
          <a href="/docs" target="_blank" rel="noreferrer">
            API docs ↗
          </a>
          <a href="/admin/queues" target="_blank" rel="noreferrer">
            Queues ↗
          </a>
        </nav>
      </header>
      <main>
        {route.page === 'runs' ? <RunsPage /> : null}
        {route.page === 'run' ? <RunPage key={route.id} id={route.id} /> : null}
        {route.page === 'compare' ? <ComparePage ids={route.ids} /> : null}
        {route.page === 'sweeps' ? <SweepsPage /> : null}
        {route.page === 'sweep' ? <SweepPage key={route.id} id={route.id} /> : null}
        {route.page === 'pipelines' ? <PipelinesPage /> : null}
        {route.page === 'pipeline' ? <PipelinePage key={route.id} id={route.id} /> : null}
        {route.page === 'workers' ? <WorkersPage /> : null}
        {route.page === 'submit' ? <SubmitPage /> : null}
        {route.page === 'not-found' ? (
          <div className="page">
            <h1>Not found</h1>
            <p>
              No page at <code>{route.path}</code>. Go to the <a href="#/runs">runs</a>.
            </p>
          </div>
        ) : null}
      </main>
    </>
  );
}
