// Follows a run over its event stream: a progress bar on a terminal, plain lines otherwise.
import cliProgress from 'cli-progress';
import type { AnchorageClient, LogLine, RunEvent, RunStatus, RunView } from '@anchorage/sdk';
import { EXIT } from './errors.js';
import { duration, num, percent } from './format.js';

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
  tty: boolean;
}

export function exitCodeFor(status: RunStatus): number {
  return status === 'succeeded' ? EXIT.ok : status === 'cancelled' ? EXIT.cancelled : EXIT.failed;
}

/** Watches a run until it ends; returns the exit code for its final status. */
export async function watchRun(client: AnchorageClient, id: string, io: Output, options: { logs?: boolean } = {}): Promise<number> {
  let run: RunView | undefined;
  let progress = 0;
  let status: RunStatus | undefined;
  const latest: Record<string, { step: number; value: number }> = {};
  let lastRefresh = 0;
  let lastPrintedStep = -1;

  const bar = io.tty
    ? new cliProgress.SingleBar(
        {
          format: `${id} {bar} {percentage}% | {status} | step {step} | loss {loss} | acc {acc}`,
          stream: process.stdout,
          hideCursor: true,
          clearOnComplete: false,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const payload = () => ({
    status: status ?? '…',
    step: latest['train/loss']?.step ?? latest['diag/step']?.step ?? '-',
    loss: num(latest['train/loss']?.value),
    acc: num(latest['train/accuracy']?.value),
  });
  let started = false;
  const draw = () => {
    if (!bar) return;
    if (!started) {
      bar.start(100, Math.round(progress * 100), payload());
      started = true;
    } else bar.update(Math.round(progress * 100), payload());
  };
  const say = (line: string) => {
    if (bar && started) bar.stop();
    io.out(line);
    if (bar && started) {
      started = false;
      draw();
    }
  };

  const refresh = async (force = false) => {
    if (!force && Date.now() - lastRefresh < 1000) return;
    lastRefresh = Date.now();
    try {
      run = await client.getRun(id);
      progress = run.progress;
      status = run.status;
    } catch {
      // progress is cosmetic; the stream decides when we are done
    }
  };

  let endStatus: RunStatus | undefined;
  for await (const event of client.runEvents(id) as AsyncIterable<RunEvent>) {
    switch (event.type) {
      case 'snapshot':
        run = event.data;
        progress = run.progress;
        status = run.status;
        if (!bar) io.out(`${id} ${status} ${percent(progress)}`);
        break;
      case 'status':
        status = event.data.status;
        await refresh(true);
        if (bar) draw();
        else io.out(`${id} ${event.data.status}${event.data.reason ? ` (${event.data.reason})` : ''} ${percent(progress)}`);
        break;
      case 'metrics': {
        for (const p of event.data.points) {
          if (!latest[p.name] || p.step >= latest[p.name].step) latest[p.name] = { step: p.step, value: p.value };
        }
        await refresh();
        if (!bar) {
          const loss = latest['train/loss'];
          const step = loss?.step ?? Math.max(...event.data.points.map((p) => p.step));
          if (step !== lastPrintedStep) {
            lastPrintedStep = step;
            const parts = [`${id} step ${step}`, percent(progress)];
            if (loss) parts.push(`loss ${num(loss.value)}`);
            if (latest['train/accuracy']) parts.push(`acc ${num(latest['train/accuracy'].value)}`);
            io.out(parts.join(' '));
          }
        }
        break;
      }
      case 'logs':
        if (options.logs) for (const line of event.data.lines) say(formatLog(line));
        break;
      case 'end':
        endStatus = event.data.status;
        break;
    }
    if (bar && event.type !== 'end') draw();
  }
  await refresh(true);
  status = endStatus ?? status;
  if (bar) {
    if (!started) draw();
    bar.update(Math.round(progress * 100), payload());
    bar.stop();
  }
  const final = status ?? 'failed';
  const took = run ? duration(run.startedAt, run.endedAt) : '-';
  const reason = final === 'failed' && run?.error ? `: ${run.error}` : '';
  const line = `run ${id} ${final} after ${took}${reason}`;
  if (final === 'succeeded') io.out(line);
  else io.err(line);
  return exitCodeFor(final);
}

export function formatLog(line: LogLine): string {
  return `${line.time} ${line.level.toUpperCase().padEnd(5)} ${line.message}`;
}
