// A chart's choice among the things it can draw, one at a time (a run's part norms, a sweep),
// shown in its caption where there is more than one to choose from.

export function ChartPicker(props: {
  value: string;
  options: readonly { id: string; label: string }[];
  onChange: (id: string) => void;
  /** What is picked, for screen readers. */
  label: string;
  testId: string;
}) {
  return (
    <select
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      aria-label={props.label}
      data-testid={props.testId}
    >
      {props.options.map((o) => (
        <option key={o.id} value={o.id}>
          {o.label}
        </option>
      ))}
    </select>
  );
}
