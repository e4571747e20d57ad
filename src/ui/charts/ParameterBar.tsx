// Where a model's parameters are: one bar split by part (embedding, SSM, attention, norms), each
// part's share as wide as its count, with a key of counts and percentages.
import type { I3Config } from '../../model/config';
import { parameterGroups } from '../../model/params';
import { count } from '../format';

const COLORS = ['#38bdf8', '#4ade80', '#a3e635', '#fbbf24', '#94a3b8'];

export function ParameterBar({ config }: { config: I3Config }) {
  const groups = parameterGroups(config);
  const total = groups.reduce((a, g) => a + g.count, 0);
  const share = (n: number) => `${((100 * n) / total).toFixed(n / total < 0.01 ? 2 : 1)}%`;
  return (
    <figure className="param-bar" data-testid="param-groups">
      <div className="param-bar-track" aria-hidden="true">
        {groups.map((g, i) => (
          <span
            key={g.group}
            style={{ flexGrow: g.count, background: COLORS[i] }}
            title={`${g.group}: ${count(g.count)} (${share(g.count)})`}
          />
        ))}
      </div>
      <figcaption className="param-bar-key small">
        {groups.map((g, i) => (
          <span key={g.group} data-testid="param-group">
            <i style={{ background: COLORS[i] }} /> {g.group} {count(g.count)}{' '}
            <span className="muted">{share(g.count)}</span>
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
