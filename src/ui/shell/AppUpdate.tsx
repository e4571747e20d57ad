// The studio as an installed web app (vite.config.ts: its service worker keeps the built studio in
// the browser). Says once that it now opens without a network, and when a new release has come
// in, offers it: taking it reloads the page, so not while a run trains or an import or export
// runs, which the reload would cut off.

import { useRegisterSW } from 'virtual:pwa-register/react';
import { useEffect } from 'react';
import { useStorage } from '../../store/storage';
import { type LongWork, leaveWarning } from './longWork';

export function AppUpdate({ work }: { work: LongWork }) {
  const {
    needRefresh: [newRelease, setNewRelease],
    offlineReady: [offline, setOffline],
    updateServiceWorker,
  } = useRegisterSW();
  // The studio's own copy counts in the storage meter of the top bar.
  const refreshStorage = useStorage((s) => s.refresh);
  useEffect(() => {
    if (offline) void refreshStorage();
  }, [offline, refreshStorage]);
  if (newRelease) {
    // What a reload would cut off now (longWork.ts), if anything.
    const lost = leaveWarning(work);
    return (
      <div className="banner" role="status" data-testid="app-update">
        A new version of i3 Studio is ready. Updating reloads the page
        {lost ? `, so it waits until nothing would be lost: ${lost}` : '.'}{' '}
        <button
          type="button"
          disabled={lost !== undefined}
          onClick={() => void updateServiceWorker()}
          data-testid="app-update-now"
        >
          Update now
        </button>{' '}
        <button type="button" onClick={() => setNewRelease(false)}>
          Later
        </button>
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
