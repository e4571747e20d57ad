// A sweep's result: each run's lowest validation loss against its value of the swept setting (a
// log axis for the learning rate), the lowest marked; runs still to train or evaluate are named
// below it.
import { useRef } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceDot,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { SWEEP_AXES, type SweepValue } from '../../train/sweep';
import { CHART } from './colors';
import { SaveChart } from './SaveChart';
import type { Sweep } from './sweepPoints';
import { axisTicks, formatValue } from './ticks';

/**
 * `picker` chooses among several sweeps (the newest is drawn until one is picked); `onTake` puts
 * the best value into the next run's setup.
 */
export function SweepChart({
  sweep,
  picker,
  onTake,
}: {
  sweep: Sweep;
  picker?: React.ReactNode;
  onTake: (value: SweepValue) => void;
}) {
  const axis = SWEEP_AXES[sweep.axis];
  const evaluated = sweep.points.filter((p) => p.valLoss !== undefined);
  const waiting = sweep.points.filter((p) => p.valLoss === undefined);
  const numbers = sweep.points.flatMap((p) => (typeof p.value === 'number' ? [p.value] : []));
  const figure = useRef<HTMLElement>(null);
  const title = `Lowest validation loss by ${axis.label}`;
  return (
    <figure className="chart" data-testid="sweep-chart" data-points={evaluated.length} ref={figure}>
      <figcaption className="chart-caption">
        {title} {picker}
        <SaveChart
          figure={figure}
          title={title}
          chartKey={[]}
          disabled={evaluated.length === 0}
          testId="sweep-chart-save"
        />
      </figcaption>
      <div className="chart-body">
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={evaluated} margin={{ top: 8, right: 24, bottom: 4, left: 0 }}>
            <CartesianGrid stroke={CHART.grid} strokeDasharray="3 3" />
            <XAxis
              {...(axis.choices
                ? // A choice axis: the choices evaluated, in the axis's order.
                  { type: 'category' as const }
                : {
                    type: 'number' as const,
                    scale: axis.log ? ('log' as const) : ('linear' as const),
                    // Every value of the sweep, those still to train or evaluate too.
                    domain: [numbers[0], numbers.at(-1)!],
                    ticks: numbers,
                    tickFormatter: axisTicks(Math.max(...numbers.map(Math.abs))),
                  })}
              dataKey="value"
              stroke={CHART.axis}
              label={{
                value: axis.label,
                position: 'insideBottomRight',
                offset: -2,
                fill: CHART.axis,
              }}
            />
            <YAxis
              type="number"
              domain={['auto', 'auto']}
              tickFormatter={(v: number) => `${+v.toPrecision(3)}`}
              stroke={CHART.axis}
              width={56}
            />
            <Tooltip
              contentStyle={CHART.tooltip}
              formatter={(v) => [formatValue(Number(v)), 'lowest validation loss']}
              labelFormatter={(x) =>
                `${axis.short} ${typeof x === 'number' ? formatValue(x) : String(x)}`
              }
            />
            <Line
              dataKey="valLoss"
              // Choices have no order to draw a line along: their points alone.
              stroke={axis.choices ? 'none' : CHART.accent}
              fill={CHART.accent}
              strokeWidth={1.8}
              isAnimationActive={false}
              dot={{ r: 4 }}
            />
            {sweep.best && (
              <ReferenceDot
                x={sweep.best.value}
                y={sweep.best.valLoss}
                r={7}
                fill="none"
                stroke={CHART.good}
                strokeWidth={2}
              />
            )}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <p className="small muted" data-testid="sweep-summary">
        {sweep.best
          ? `Lowest: ${axis.short} ${sweep.best.value} (${sweep.best.valLoss!.toFixed(3)}, ${sweep.best.name}).`
          : 'No run of the sweep has been evaluated yet.'}
        {waiting.length > 0 &&
          ` Not evaluated yet: ${waiting.map((p) => `${axis.short} ${p.value}`).join(', ')}.`}{' '}
        {sweep.best && (
          <button
            type="button"
            onClick={() => onTake(sweep.best!.value)}
            title={`Set ${axis.label} to ${sweep.best.value} in the Model pane, for the next run`}
            data-testid="sweep-take"
          >
            Use {axis.short} {sweep.best.value} next
          </button>
        )}
      </p>
    </figure>
  );
}
