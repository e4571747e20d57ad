// The button that starts a generation, or stops it while it runs (the chat's Send, the
// comparison's Compare): one place for how the two swap and say why a start is blocked, and for
// the key that sends from their text boxes.
import type { KeyboardEvent } from 'react';

/** Enter sends (Shift+Enter is a new line; Enter that ends an IME composition is not a send). */
export const sendsOnEnter = (e: KeyboardEvent) =>
  e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing;

export function SendOrStop({
  running,
  label,
  blocker,
  onSend,
  onStop,
  testIds: [sendId, stopId],
}: {
  running: boolean;
  label: string;
  /** Why it cannot start now: the button is disabled, with this as its tooltip. */
  blocker: string | undefined;
  onSend: () => void;
  onStop: () => void;
  /** The test ids of the start and the stop button. */
  testIds: [string, string];
}) {
  return running ? (
    <button type="button" className="danger" onClick={onStop} data-testid={stopId}>
      Stop
    </button>
  ) : (
    <button
      type="button"
      className="primary"
      onClick={onSend}
      disabled={Boolean(blocker)}
      title={blocker}
      data-testid={sendId}
    >
      {label}
    </button>
  );
}
