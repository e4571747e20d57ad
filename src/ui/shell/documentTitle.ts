// The browser tab's title follows the live run, so that a user in another tab sees how far it got,
// and then how it ended.
import { useEffect } from 'react';
import { useRuns } from '../../store/runs';
import type { RunRecord } from '../../train/runStore';

export const STUDIO_TITLE = 'i3 Studio';

/** The title for the live run, else for the run that ended last (neither: the studio's own). */
export function runTitle(run: RunRecord | undefined, ended?: RunRecord): string {
  if (!run) return ended ? `${ended.state} · ${ended.name} — ${STUDIO_TITLE}` : STUDIO_TITLE;
  const last = run.metrics.steps.at(-1);
  const pct = Math.floor((100 * (last?.step ?? 0)) / run.settings.schedule.totalSteps);
  const loss = last ? ` · loss ${last.loss.toFixed(2)}` : '';
  const state = run.state === 'paused' ? 'paused at ' : '';
  return `${state}${pct}%${loss} · ${run.name} — ${STUDIO_TITLE}`;
}

export function useDocumentTitle(): void {
  const title = useRuns((s) =>
    runTitle(
      s.runs.find((r) => r.id === s.liveRunId),
      s.runs.find((r) => r.id === s.endedRunId),
    ),
  );
  useEffect(() => {
    document.title = title;
  }, [title]);
}
