// The studio as an installed web app (vite.config.ts: its service worker keeps the built studio in
// the browser). Says once that it now opens without a network, and when a new release has come
// in, offers it. Taking it reloads the page, so not while a run trains or an import or export
// runs, which the reload would cut off; and where another tab takes it, this one reloads only
// once that is so.

import { useRegisterSW } from 'virtual:pwa-register/react';
import { useEffect, useRef, useState } from 'react';
import { useStorage } from '../../store/storage';

/** `lost`: what a reload would cut off now (longWork.ts's leaveWarning), if anything. */
export function AppUpdate({ lost }: { lost: string | undefined }) {
  // Also in a ref, for the service worker's callback, which keeps the first render's closure.
  const lostNow = useRef(lost);
  lostNow.current = lost;
  const [stale, setStale] = useState(false);
  const {
    needRefresh: [newRelease, setNewRelease],
    offlineReady: [offline, setOffline],
    updateServiceWorker,
  } = useRegisterSW({
    // The new release controls every tab of the studio now: this one runs the old until reloaded.
    onNeedReload: () => (lostNow.current ? setStale(true) : location.reload()),
  });
  // The studio's own copy counts in the storage meter of the top bar.
  const refreshStorage = useStorage((s) => s.refresh);
  useEffect(() => {
    if (offline) void refreshStorage();
  }, [offline, refreshStorage]);
  if (stale || newRelease) {
    return (
      <div className="banner" role="status" data-testid="app-update">
        {stale
          ? 'i3 Studio was updated in another tab; this one runs the previous version until it reloads'
          : 'A new version of i3 Studio is ready. Updating reloads the page'}
        {lost ? `, so it waits until nothing would be lost: ${lost}` : '.'}{' '}
        <button
          type="button"
          disabled={lost !== undefined}
          onClick={() => (stale ? location.reload() : void updateServiceWorker())}
          data-testid="app-update-now"
        >
          {stale ? 'Reload now' : 'Update now'}
        </button>{' '}
        {!stale && (
          <button type="button" onClick={() => setNewRelease(false)}>
            Later
          </button>
        )}
      </div>
    );
  }
  if (offline) {
    return (
      <div className="banner" role="status" data-testid="app-offline-ready">
        i3 Studio is now kept in this browser: it opens and trains without a network, and the
        browser can install it as an app.{' '}
        <button type="button" onClick={() => setOffline(false)}>
          Dismiss
        </button>
      </div>
    );
  }
  return null;
}
