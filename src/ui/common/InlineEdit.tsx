// Text edited in place, as a run's name and note and a dataset's name are: the text itself, pressed
// to edit, or the field that edits it. Leaving the field (Enter does) saves it; Escape leaves the
// text as it was.
import { useEffect, useRef, useState } from 'react';

export function InlineEdit(props: {
  value: string;
  onSave: (text: string) => void;
  /** The field's accessible name. */
  label: string;
  /** The text's test id; the field's is `${testId}-input`. */
  testId: string;
  className?: string;
  editable: boolean;
  maxLength: number;
  /** What the text's button says it does. */
  title: string;
  placeholder?: string;
  /** Shown where there is no text ('+ note'); without it the text cannot be emptied. */
  empty?: string;
}) {
  const [draft, setDraft] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (draft !== undefined) input.current?.select();
  }, [draft]);
  const save = () => {
    const text = draft?.trim();
    const allowed = text !== undefined && (text !== '' || props.empty !== undefined);
    if (allowed && text !== props.value) props.onSave(text);
    setDraft(undefined);
  };
  if (draft !== undefined) {
    return (
      <input
        ref={input}
        className="inline-edit-input"
        value={draft}
        maxLength={props.maxLength}
        placeholder={props.placeholder}
        aria-label={props.label}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          // Saved once, by the blur; the field goes without one.
          if (e.key === 'Enter') e.currentTarget.blur();
          if (e.key === 'Escape') setDraft(undefined);
        }}
        onBlur={save}
        data-testid={`${props.testId}-input`}
      />
    );
  }
  if (!props.editable) {
    return props.value ? (
      <span className={props.className} data-testid={props.testId}>
        {props.value}
      </span>
    ) : null;
  }
  return (
    <button
      type="button"
      className={`inline-edit ${props.className ?? ''}${props.value ? '' : ' muted'}`}
      title={props.title}
      onClick={() => setDraft(props.value)}
      data-testid={props.testId}
    >
      {props.value || props.empty}
    </button>
  );
}
