// The browser tab's title follows the live run, so that a user in another tab sees how far it got.
import { useEffect } from 'react';
import { useRuns } from '../store/runs';
import type { RunRecord } from '../train/runStore';

export const STUDIO_TITLE = 'i3 Studio';

/** The title for the live run (none: the studio's own). */
export function runTitle(run: RunRecord | undefined): string {
  if (!run) return STUDIO_TITLE;
  const last = run.metrics.steps.at(-1);
  const pct = Math.floor((100 * (last?.step ?? 0)) / run.settings.schedule.totalSteps);
  const loss = last ? ` · loss ${last.loss.toFixed(2)}` : '';
  const state = run.state === 'paused' ? 'paused at ' : '';
  return `${state}${pct}%${loss} · ${run.name} — ${STUDIO_TITLE}`;
}

export function useDocumentTitle(): void {
  const title = useRuns((s) => runTitle(s.runs.find((r) => r.id === s.liveRunId)));
  useEffect(() => {
    document.title = title;
  }, [title]);
}
