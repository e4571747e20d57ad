// Which pane the studio shows: a store rather than App state, so that a pane can send the user
// to another (e.g. "Chat" on a checkpoint opens the Chat pane).
import { create } from 'zustand';
import { useChat } from './chat';

export type PaneId = 'data' | 'model' | 'train' | 'checkpoints' | 'chat';

interface NavState {
  pane: PaneId;
  show: (pane: PaneId) => void;
}

export const useNav = create<NavState>((set) => ({
  pane: 'data',
  show: (pane) => set({ pane }),
}));

/** Opens the Chat pane on a checkpoint (its Chat buttons in the Checkpoints and Train panes). */
export function chatWith(checkpointId: string): void {
  useChat.getState().openCheckpoint(checkpointId);
  useNav.getState().show('chat');
}
