// A dataset's documents by length in tokens (power-of-two buckets, as the importer counts them),
// with the buckets at or past the model's context drawn apart: those documents span several
// training windows.
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { compact, count } from '../common/format';
import { CHART, hue } from './colors';

/** "1", "2–3", "4–7", … for bucket k (lengths 2^k to 2^(k+1) − 1). */
export const bucketLabel = (k: number): string =>
  k === 0 ? '1' : `${count(2 ** k)}–${count(2 ** (k + 1) - 1)}`;

/**
 * The buckets to draw, those of `bound` tokens or more marked long (bound: the smallest power of
 * two at or above the context, where buckets start), and the share of documents in them.
 */
export function lengthBuckets(lengths: readonly number[], context: number) {
  const bound = 2 ** Math.ceil(Math.log2(context));
  const buckets = lengths.map((n, k) => ({ label: bucketLabel(k), n, long: 2 ** k >= bound }));
  const total = lengths.reduce((a, b) => a + b, 0);
  const long = buckets.reduce((a, b) => (b.long ? a + b.n : a), 0);
  return { buckets, bound, share: total === 0 ? 0 : long / total };
}

export function LengthHistogram(props: { lengths: readonly number[]; context: number }) {
  const { buckets: data, bound, share } = lengthBuckets(props.lengths, props.context);
  return (
    <figure className="chart" data-testid="length-histogram" data-buckets={data.length}>
      <figcaption>Documents by length (tokens)</figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke={CHART.grid} strokeDasharray="3 3" vertical={false} />
          {/* Every bucket's label where they fit; on a phone every other one, not overlapping. */}
          <XAxis
            dataKey="label"
            stroke={CHART.axis}
            interval="equidistantPreserveStart"
            fontSize={11}
          />
          <YAxis
            stroke={CHART.axis}
            width={56}
            allowDecimals={false}
            // 36.0k, not 36,000: counts of a large dataset overflow the axis in full.
            tickFormatter={(v) => compact(Number(v))}
          />
          <Tooltip
            contentStyle={CHART.tooltip}
            formatter={(v) => [count(Number(v)), 'documents']}
            labelFormatter={(l) => `${l} tokens`}
          />
          <Bar dataKey="n" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.label} fill={d.long ? hue('pink') : hue('sky')} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
      <p className="muted small" data-testid="length-share">
        {(100 * share).toFixed(1)}% of documents have {count(bound)} tokens or more (pink)
        {bound === props.context
          ? ", the model's context"
          : `, past the model's context of ${count(props.context)}`}
        : each of them spans more than one training window.
      </p>
    </figure>
  );
}
