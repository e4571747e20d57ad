// Keeps the screen on while the studio trains, imports or exports (a screen wake lock), so that
// the computer does not sleep through a run, and says so in the top bar. Browsers drop the lock
// when the tab is hidden; it is asked for again when the tab shows.
import { useEffect, useState } from 'react';

export type AwakeState =
  | { kind: 'idle' }
  | { kind: 'held' }
  | { kind: 'refused'; reason: string }
  | { kind: 'hidden' };

/** Holds a screen wake lock while `wanted`, and reports whether it has one. */
export function useScreenAwake(wanted: boolean): AwakeState {
  const [state, setState] = useState<AwakeState>({ kind: 'idle' });
  useEffect(() => {
    if (!wanted) {
      setState({ kind: 'idle' });
      return;
    }
    if (!('wakeLock' in navigator)) {
      setState({ kind: 'refused', reason: 'this browser cannot keep the screen on' });
      return;
    }
    let sentinel: WakeLockSentinel | undefined;
    let done = false;
    const acquire = async () => {
      if (document.visibilityState !== 'visible') {
        setState({ kind: 'hidden' });
        return;
      }
      if (sentinel && !sentinel.released) return;
      try {
        const lock = await navigator.wakeLock.request('screen');
        if (done) {
          await lock.release();
          return;
        }
        sentinel = lock;
        setState({ kind: 'held' });
        lock.addEventListener('release', () => {
          if (!done) setState({ kind: document.hidden ? 'hidden' : 'idle' });
        });
      } catch (e) {
        if (!done) setState({ kind: 'refused', reason: (e as Error).message });
      }
    };
    const onVisibility = () => void acquire();
    document.addEventListener('visibilitychange', onVisibility);
    void acquire();
    return () => {
      done = true;
      document.removeEventListener('visibilitychange', onVisibility);
      void sentinel?.release();
    };
  }, [wanted]);
  return state;
}

export function ScreenAwake({ state }: { state: AwakeState }) {
  if (state.kind === 'idle') return null;
  const [label, title] = {
    held: [
      'screen kept on',
      'The screen stays on while the studio works, so that the computer does not sleep mid-run.',
    ],
    hidden: [
      'screen may sleep',
      'The tab is hidden, so the browser let the screen sleep; the studio keeps it on again when the tab shows. A computer that sleeps pauses the GPU.',
    ],
    refused: [
      'screen may sleep',
      `The browser would not keep the screen on (${state.kind === 'refused' ? state.reason : ''}). Set the computer not to sleep during long runs.`,
    ],
  }[state.kind];
  return (
    <span
      className={`screen-awake awake-${state.kind}`}
      data-testid="screen-awake"
      data-state={state.kind}
      title={title}
    >
      {label}
    </span>
  );
}
