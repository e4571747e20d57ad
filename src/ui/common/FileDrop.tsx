// A drop zone with file and folder pickers: the Data pane's dataset files and the Checkpoints
// pane's bundles. A folder, dropped or chosen, stands for its files (folderDrop.ts).
import { type ReactNode, useEffect, useRef, useState } from 'react';
import {
  emptyFoldersProblem,
  type FolderDepth,
  IMPORT_BUSY,
  pickedFolderFiles,
  receiveDrop,
} from './folderDrop';

/** The folder input's attribute, which React's types do not know. */
const FOLDER_INPUT = { webkitdirectory: '' } as object;

export function FileDrop(props: {
  label: string;
  testId: string;
  inputTestId: string;
  accept: string;
  /** Which of a folder's files count: at every depth, or its own only. */
  folders: FolderDepth;
  disabled?: boolean;
  className?: string;
  onFiles: (files: File[]) => void;
  /** The zone's content; `choose` opens the file picker, `chooseFolder` the folder picker. */
  children: (choose: () => void, chooseFolder: () => void) => ReactNode;
}) {
  const [over, setOver] = useState(false);
  const [problem, setProblem] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  // The busy message lasts as long as the import it waits on.
  useEffect(() => {
    if (!props.disabled) setProblem((p) => (p === IMPORT_BUSY ? undefined : p));
  }, [props.disabled]);
  const className = `dropzone ${props.className ?? ''}${over ? ' over' : ''}`.trim();
  const take = (files: File[], emptyFolders: string[]) => {
    setProblem(emptyFoldersProblem(emptyFolders, props.folders));
    if (files.length > 0) props.onFiles(files);
  };
  return (
    <section
      aria-label={props.label}
      className={className}
      data-testid={props.testId}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        receiveDrop(e.dataTransfer, {
          depth: props.folders,
          busy: Boolean(props.disabled),
          take: props.onFiles,
          say: setProblem,
        });
      }}
    >
      {props.children(
        () => input.current?.click(),
        () => folderInput.current?.click(),
      )}
      {problem && (
        <p className="error" role="alert" data-testid={`${props.testId}-problem`}>
          {problem}
        </p>
      )}
      <input
        ref={input}
        type="file"
        multiple
        accept={props.accept}
        hidden
        data-testid={props.inputTestId}
        onChange={(e) => {
          take([...(e.target.files ?? [])], []);
          e.target.value = '';
        }}
      />
      <input
        ref={folderInput}
        type="file"
        {...FOLDER_INPUT}
        hidden
        data-testid={`${props.inputTestId}-folder`}
        onChange={(e) => {
          const given = [...(e.target.files ?? [])];
          const files = pickedFolderFiles(given, props.folders);
          const folder = given[0]?.webkitRelativePath.split('/')[0] ?? 'the folder';
          take(files, files.length === 0 ? [folder] : []);
          e.target.value = '';
        }}
      />
    </section>
  );
}
