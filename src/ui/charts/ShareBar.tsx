// One bar split into parts, each as wide as its share of the whole, with a key of values and
// percentages: where a model's parameters are (embedding, SSM, attention, norms), where a
// training step's time goes (projections, scan, attention, ...).
import { PARTS } from './colors';

export interface Share {
  name: string;
  value: number;
}

export function ShareBar(props: {
  parts: readonly Share[];
  /** A part's value as the key writes it. */
  format: (value: number) => string;
  testId: string;
  /** Each entry of the key's test id. */
  partTestId: string;
}) {
  const total = props.parts.reduce((a, p) => a + p.value, 0);
  const share = (v: number) => `${((100 * v) / total).toFixed(v / total < 0.01 ? 2 : 1)}%`;
  return (
    <figure className="share-bar" data-testid={props.testId}>
      <div className="share-bar-track" aria-hidden="true">
        {props.parts.map((p, i) => (
          <span
            key={p.name}
            style={{ flexGrow: p.value, background: PARTS[i % PARTS.length] }}
            title={`${p.name}: ${props.format(p.value)} (${share(p.value)})`}
          />
        ))}
      </div>
      <figcaption className="share-bar-key small">
        {props.parts.map((p, i) => (
          <span key={p.name} data-testid={props.partTestId}>
            <i style={{ background: PARTS[i % PARTS.length] }} /> {p.name} {props.format(p.value)}{' '}
            <span className="muted">{share(p.value)}</span>
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
