// A modal confirmation before something is deleted (<dialog>: focus stays inside, starting on
// Cancel; Escape cancels). The panes ask it before a dataset, a run or checkpoints go, through
// useConfirmDelete.
import { type ReactNode, useEffect, useRef, useState } from 'react';

export function ConfirmDelete({
  title,
  children,
  onClose,
}: {
  title: string;
  /** What goes, and what the user can do first. */
  children: ReactNode;
  onClose: (confirmed: boolean) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby="confirm-delete-title"
      data-testid="confirm-delete"
      onCancel={(e) => {
        e.preventDefault();
        onClose(false);
      }}
    >
      <h2 id="confirm-delete-title">{title}</h2>
      <p>{children}</p>
      <div className="row" style={{ justifyContent: 'flex-end' }}>
        <button type="button" autoFocus onClick={() => onClose(false)}>
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => onClose(true)}
          data-testid="confirm-delete-yes"
        >
          Delete
        </button>
      </div>
    </dialog>
  );
}

/**
 * A confirmation for deleting one thing at a time: `ask(item)` opens it with the title and text
 * `textOf` gives; confirming calls `remove(item)`. Returns `ask` and the dialog to render.
 */
export function useConfirmDelete<T>(
  textOf: (item: T) => { title: string; text: ReactNode },
  remove: (item: T) => void,
): [ask: (item: T) => void, dialog: ReactNode] {
  const [asked, setAsked] = useState<{ item: T }>();
  if (!asked) return [(item) => setAsked({ item }), null];
  const { title, text } = textOf(asked.item);
  const dialog = (
    <ConfirmDelete
      title={title}
      onClose={(confirmed) => {
        if (confirmed) remove(asked.item);
        setAsked(undefined);
      }}
    >
      {text}
    </ConfirmDelete>
  );
  return [(item) => setAsked({ item }), dialog];
}
