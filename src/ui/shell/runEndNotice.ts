// The system notification of a run's end (store/notifications.ts turns it on): how the run ended,
// how far it got and its losses, so that the user knows whether to come back to it; and of a run
// the studio paused, which waits for the user.
import { useEffect } from 'react';
import { useNotifications } from '../../store/notifications';
import { useRuns } from '../../store/runs';
import type { RunRecord } from '../../train/runStore';
import { count } from '../common/format';

/** The states a run ends in. */
const ENDED = { finished: true, stopped: true, failed: true };

/** The notification's title and text for a run that ended. */
export function runEndNotice(run: RunRecord): { title: string; body: string } {
  const last = run.metrics.steps.at(-1);
  const val = run.metrics.evals.at(-1);
  const total = run.settings.schedule.totalSteps;
  const parts = [
    `step ${count(last?.step ?? 0)} of ${count(total)}`,
    ...(last ? [`loss ${last.loss.toFixed(3)}`] : []),
    ...(val ? [`validation loss ${val.valLoss.toFixed(3)} (step ${count(val.step)})`] : []),
  ];
  return {
    title: `${run.name} ${run.state === 'paused' ? 'paused: it needs you' : run.state}`,
    body: [parts.join(' · '), run.message].filter(Boolean).join('\n'),
  };
}

/**
 * The runs to tell the user about: those that came to an end between two states of the runs
 * store, or were paused by the studio rather than by the user (a checkpoint that did not fit:
 * the run holds its weights until there is room, and says so in its message).
 */
export function runsToNotice(prev: readonly RunRecord[], next: readonly RunRecord[]): RunRecord[] {
  return next.filter((run) => {
    const before = prev.find((r) => r.id === run.id);
    if (!before || before.state === run.state) return false;
    return run.state in ENDED || (run.state === 'paused' && Boolean(run.message));
  });
}

/** Shows a notification when a run ends (or waits for the user), where they turned them on. */
export function useRunEndNotice(): void {
  useEffect(
    () =>
      useRuns.subscribe((s, prev) => {
        if (!useNotifications.getState().runEnds) return;
        if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
        for (const run of runsToNotice(prev.runs, s.runs)) {
          const { title, body } = runEndNotice(run);
          // One notification a run: another tab's notice of the same end replaces this one.
          const note = new Notification(title, { body, tag: run.id });
          note.onclick = () => {
            window.focus();
            note.close();
          };
        }
      }),
    [],
  );
}
