// Whether the studio tells the user, through the system's notifications, that a run ended: runs
// of the larger models take hours, and the user is then mostly elsewhere. The choice outlives a
// reload; the browser's permission is asked for when it is turned on.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { localStore } from './localStore';

interface NotificationsState {
  runEnds: boolean;
  /** Why notifications cannot be turned on here. */
  problem?: string;
  setRunEnds: (on: boolean) => Promise<void>;
}

const NO_NOTIFICATIONS = 'This browser cannot show notifications.';
const NOTIFICATIONS_BLOCKED =
  'The browser blocks notifications from this page: allow them in its site settings (the icon ' +
  'left of the address), then turn this on again.';

export const useNotifications = create<NotificationsState>()(
  persist(
    (set) => ({
      runEnds: false,
      setRunEnds: async (on) => {
        if (!on) {
          set({ runEnds: false, problem: undefined });
          return;
        }
        if (typeof Notification === 'undefined') {
          set({ runEnds: false, problem: NO_NOTIFICATIONS });
          return;
        }
        const permission = await Notification.requestPermission();
        set(
          permission === 'granted'
            ? { runEnds: true, problem: undefined }
            : { runEnds: false, problem: NOTIFICATIONS_BLOCKED },
        );
      },
    }),
    {
      name: 'i3-studio-notifications',
      version: 1,
      storage: localStore<Pick<NotificationsState, 'runEnds'>>(),
      partialize: ({ runEnds }) => ({ runEnds }),
    },
  ),
);
