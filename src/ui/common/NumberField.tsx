// A number input that holds a half-typed value as empty (NaN) rather than snapping it back, and the
// labelled field of one: the Model pane's settings, the time budget, the live run's "Finish in".
import { useId } from 'react';

interface NumberInputProps {
  value: number;
  onChange: (v: number) => void;
  step?: number;
  min?: number;
  testId?: string;
  /** Where no visible label names it. */
  ariaLabel?: string;
  id?: string;
}

export function NumberInput(props: NumberInputProps) {
  return (
    <input
      type="number"
      value={Number.isFinite(props.value) ? props.value : ''}
      step={props.step ?? 1}
      min={props.min}
      id={props.id}
      aria-label={props.ariaLabel}
      data-testid={props.testId}
      onChange={(e) => props.onChange(e.target.valueAsNumber)}
    />
  );
}

export function NumberField({ label, ...input }: NumberInputProps & { label: string }) {
  const id = useId();
  return (
    <label className="field" htmlFor={id}>
      <span>{label}</span>
      <NumberInput {...input} id={id} />
    </label>
  );
}
