// The learning-rate sweep's curve: each step's loss and its moving average against the rate, on a
// log axis of rates, with the suggested peak rate marked.
import { useRef } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { LR_SWEEP_MAX, LR_SWEEP_MIN, type LrPoint } from '../../train/lrFinder';
import { CHART } from './colors';
import { SaveChart } from './SaveChart';
import { formatValue } from './ticks';

const DECADES = Array.from(
  { length: Math.round(Math.log10(LR_SWEEP_MAX / LR_SWEEP_MIN)) + 1 },
  (_, i) => LR_SWEEP_MIN * 10 ** i,
);

/** Each step's loss, faint, and its moving average, which the suggestion reads. */
const LINES: [keyof LrPoint, string, number][] = [
  ['loss', CHART.line, 1],
  ['smoothed', CHART.accent, 1.8],
];

/**
 * The y axis stops a little above the first smoothed loss: a blown-up step's loss (many times
 * larger) would otherwise flatten the part of the curve that matters.
 */
function lossCeiling(points: LrPoint[]): number | 'auto' {
  const first = points[0]?.smoothed;
  return first === undefined ? 'auto' : first * 1.15;
}

const TITLE = 'Loss by learning rate (the sweep)';

export function LrSweepChart(props: { points: LrPoint[]; suggestion?: number }) {
  const figure = useRef<HTMLElement>(null);
  return (
    <figure
      className="chart"
      data-testid="lr-sweep-chart"
      data-points={props.points.length}
      ref={figure}
    >
      <figcaption className="chart-caption">
        {TITLE}
        <SaveChart
          figure={figure}
          title={TITLE}
          chartKey={LINES.map(([name, color]) => ({ name, color }))}
          disabled={props.points.length === 0}
          testId="lr-sweep-chart-save"
        />
      </figcaption>
      <div className="chart-body">
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={props.points} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
            <CartesianGrid stroke={CHART.grid} strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="lr"
              scale="log"
              domain={[LR_SWEEP_MIN, LR_SWEEP_MAX]}
              ticks={DECADES}
              tickFormatter={(v: number) => v.toExponential(0)}
              stroke={CHART.axis}
              label={{
                value: 'learning rate',
                position: 'insideBottomRight',
                offset: -2,
                fill: CHART.axis,
              }}
            />
            <YAxis
              type="number"
              domain={['auto', lossCeiling(props.points)]}
              allowDataOverflow
              tickFormatter={(v: number) => `${+v.toPrecision(3)}`}
              stroke={CHART.axis}
              width={56}
            />
            <Tooltip
              contentStyle={CHART.tooltip}
              formatter={(v) => formatValue(Number(v))}
              labelFormatter={(x) => `learning rate ${formatValue(Number(x))}`}
            />
            <Legend />
            {LINES.map(([key, stroke, width]) => (
              <Line
                key={key}
                name={key}
                dataKey={key}
                stroke={stroke}
                dot={false}
                isAnimationActive={false}
                strokeWidth={width}
                legendType="plainline"
              />
            ))}
            {props.suggestion !== undefined && (
              <ReferenceLine
                x={props.suggestion}
                stroke={CHART.good}
                strokeDasharray="5 3"
                label={{ value: 'suggested', fill: CHART.good, position: 'insideTopLeft' }}
              />
            )}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
