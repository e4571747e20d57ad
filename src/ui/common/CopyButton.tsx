// A button that puts a text on the clipboard, and says for a moment that it did (or why it could
// not: the browser may refuse the clipboard to a page, e.g. one served over plain http).
import { useEffect, useState } from 'react';

const SHOWN_MS = 1500;

export function CopyButton(props: {
  text: () => string;
  /** What the button copies, for its tooltip and accessible name ("Copy the reply"). */
  title: string;
  testId: string;
}) {
  const [outcome, setOutcome] = useState<'copied' | { error: string }>();
  useEffect(() => {
    if (outcome !== 'copied') return;
    const timer = setTimeout(() => setOutcome(undefined), SHOWN_MS);
    return () => clearTimeout(timer);
  }, [outcome]);
  const copy = async () => {
    try {
      if (!navigator.clipboard)
        throw new Error('this page has no clipboard access (it needs https)');
      await navigator.clipboard.writeText(props.text());
      setOutcome('copied');
    } catch (e) {
      setOutcome({ error: e instanceof Error ? e.message : String(e) });
    }
  };
  const failed = typeof outcome === 'object';
  return (
    <>
      <button
        type="button"
        className="copy-button small"
        onClick={copy}
        title={props.title}
        aria-label={props.title}
        data-testid={props.testId}
      >
        {outcome === 'copied' ? 'Copied' : 'Copy'}
      </button>
      {failed && (
        <span className="error-text small" role="alert" data-testid={`${props.testId}-error`}>
          Not copied: {outcome.error}. Select the text and copy it with the keyboard instead.
        </span>
      )}
    </>
  );
}
