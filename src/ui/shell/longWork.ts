// Work in flight that closing the page would cut off: a run (running or paused, whose state since
// its last checkpoint lives only in the worker), an import of files, an export of a bundle. While
// there is some the page asks before it closes, and while some of it runs the screen is kept on
// (screenAwake.ts): a sleeping computer stops the GPU as surely as a closed tab.
import { useEffect } from 'react';
import { useCheckpoints } from '../../store/checkpoints';
import { useDatasets } from '../../store/datasets';
import { useRuns } from '../../store/runs';

export interface LongWork {
  run?: 'running' | 'paused';
  importing: boolean;
  exporting: boolean;
}

/** The work in flight, from the stores. */
export function useLongWork(): LongWork {
  const run = useRuns((s) => s.runs.find((r) => r.id === s.liveRunId)?.state);
  const importing = useDatasets((s) => s.job !== undefined);
  const exporting = useCheckpoints((s) => s.exportJob !== undefined || s.importJob !== undefined);
  return {
    run: run === 'running' || run === 'paused' ? run : undefined,
    importing,
    exporting,
  };
}

/** What closing the page now would lose, in words (undefined: nothing). */
export function leaveWarning(w: LongWork): string | undefined {
  const lost = [
    w.run && "the run's training since its last checkpoint",
    w.importing && 'the import',
    w.exporting && 'the export',
  ].filter(Boolean);
  if (lost.length === 0) return undefined;
  const last = lost.pop();
  return `Closing the studio now loses ${lost.length ? `${lost.join(', ')} and ` : ''}${last}.`;
}

/** Whether the work keeps the GPU or the disk busy now (a paused run does not). */
export const isWorking = (w: LongWork): boolean =>
  w.run === 'running' || w.importing || w.exporting;

/**
 * Asks before the page closes or reloads while `warning` is set. Browsers show their own words in
 * that dialog; the warning is what the page offers them.
 */
export function useLeaveGuard(warning: string | undefined): void {
  useEffect(() => {
    if (!warning) return;
    const ask = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = warning;
      return warning;
    };
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [warning]);
}
