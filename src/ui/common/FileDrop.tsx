// A drop zone with a file picker: the Data pane's dataset files and the Checkpoints pane's bundles.
import { type ReactNode, useRef, useState } from 'react';

export function FileDrop(props: {
  label: string;
  testId: string;
  inputTestId: string;
  accept: string;
  disabled?: boolean;
  className?: string;
  onFiles: (files: File[]) => void;
  /** The zone's content; `choose` opens the file picker. */
  children: (choose: () => void) => ReactNode;
}) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const className = `dropzone ${props.className ?? ''}${over ? ' over' : ''}`.trim();
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
        if (!props.disabled) props.onFiles([...e.dataTransfer.files]);
      }}
    >
      {props.children(() => input.current?.click())}
      <input
        ref={input}
        type="file"
        multiple
        accept={props.accept}
        hidden
        data-testid={props.inputTestId}
        onChange={(e) => {
          props.onFiles([...(e.target.files ?? [])]);
          e.target.value = '';
        }}
      />
    </section>
  );
}
