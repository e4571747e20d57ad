// A run trains in one tab at a time. The train worker holds a Web Lock named for the run while it
// trains it, so that another tab of the studio (same origin, same IndexedDB) sees the run as live
// there rather than cut off by a closed page, cannot resume it a second time, and learns when it
// ends. Where there are no Web Locks (Node), no run is live elsewhere.

const PREFIX = 'i3-run:';

export const RUN_TRAINING_ELSEWHERE =
  'This run is training in another tab of the studio: pause or stop it there, or wait for it to end.';

const runLockName = (runId: string): string => `${PREFIX}${runId}`;

const locks = (): LockManager | undefined =>
  typeof navigator === 'undefined' ? undefined : navigator.locks;

/**
 * Runs `train` holding the run's lock; where another tab holds it, `elsewhere` runs instead.
 * Without Web Locks, `train` runs.
 */
export async function withRunLock(
  runId: string,
  train: () => Promise<void>,
  elsewhere: () => void,
): Promise<void> {
  const lm = locks();
  if (!lm) return train();
  await lm.request(runLockName(runId), { ifAvailable: true }, async (lock) => {
    if (lock) await train();
    else elsewhere();
  });
}

/** The runs whose locks are held now (by this tab's worker or another tab's). */
export async function lockedRuns(): Promise<Set<string>> {
  const held = (await locks()?.query())?.held ?? [];
  return new Set(
    held.flatMap((l) => (l.name?.startsWith(PREFIX) ? [l.name.slice(PREFIX.length)] : [])),
  );
}

/** Resolves when the run's lock is free (its training ended, or its tab closed). */
export async function whenUnlocked(runId: string): Promise<void> {
  await locks()?.request(runLockName(runId), async () => {});
}
