// One live metric chart: several series (runs, train and validation) over a shared x axis,
// drawn with recharts. Series arrive already smoothed, cut to the zoomed range and downsampled
// (runSeries.ts); dragging across the chart picks a range to zoom every chart to.
import { memo, useRef, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { CHART } from './colors';
import type { XRange } from './runSeries';
import { SaveChart } from './SaveChart';
import type { Point } from './series';
import { axisTicks, formatValue, largest } from './ticks';

export interface Series {
  name: string;
  color: string;
  points: Point[];
  dashed?: boolean;
}

/** A level worth reading the curves against (the clip threshold, a uniform guess's loss). */
export interface Reference {
  y: number;
  label: string;
}

/** Memoized: a chart redraws only when its own series, scale or axis change. */
export const MetricChart = memo(function MetricChart(props: {
  title: string;
  series: Series[];
  log: boolean;
  xLabel: string;
  testId: string;
  references?: readonly Reference[];
  /** The x range shown (undefined: the data's). */
  zoom?: XRange;
  /** Zooms every chart to the range dragged out across this one. */
  onZoom?: (range: XRange) => void;
}) {
  // The x values where a drag started and where it is now.
  const [drag, setDrag] = useState<{ from: number; to: number }>();
  const xAt = (state: { activeLabel?: string | number } | null) =>
    state?.activeLabel === undefined ? undefined : Number(state.activeLabel);
  const points = props.series.reduce((n, s) => n + s.points.length, 0);
  const xTick = axisTicks(largest(props.series, (p) => p.x));
  const yTick = axisTicks(largest(props.series, (p) => p.y));
  // The legend takes its rows out of the chart's height: many runs (a sweep) would squash the plot.
  const height = 196 + 22 * Math.ceil(props.series.length / 2);
  const figure = useRef<HTMLElement>(null);
  return (
    <figure className="chart" data-testid={props.testId} data-points={points} ref={figure}>
      <figcaption className="chart-caption">
        {props.title}
        <SaveChart
          figure={figure}
          title={props.title}
          chartKey={props.series}
          disabled={points === 0}
          testId={`${props.testId}-save`}
        />
      </figcaption>
      {/* Mounted even while empty, so the first data does not pay for building the chart. */}
      <div className="chart-body zoomable">
        {points === 0 && <div className="chart-empty muted">No data yet</div>}
        <ResponsiveContainer width="100%" height={height}>
          <LineChart
            margin={{ top: 8, right: 16, bottom: 4, left: 0 }}
            onMouseDown={(state) => {
              const x = xAt(state);
              if (x !== undefined && props.onZoom) setDrag({ from: x, to: x });
            }}
            onMouseMove={(state) => {
              const x = xAt(state);
              if (drag && x !== undefined) setDrag({ ...drag, to: x });
            }}
            onMouseUp={() => {
              if (drag && drag.from !== drag.to) {
                props.onZoom?.([Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)]);
              }
              setDrag(undefined);
            }}
            onMouseLeave={() => setDrag(undefined)}
          >
            <CartesianGrid stroke={CHART.grid} strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="x"
              domain={props.zoom ? [...props.zoom] : ['dataMin', 'dataMax']}
              allowDataOverflow={props.zoom !== undefined}
              tickFormatter={xTick}
              stroke={CHART.axis}
              label={{
                value: props.xLabel,
                position: 'insideBottomRight',
                offset: -2,
                fill: CHART.axis,
              }}
              allowDuplicatedCategory={false}
              // Every tick of the scale: recharts' default thins them by measuring each label in
              // the DOM, a large part of a redraw, which comes with each batch of steps.
              interval={0}
            />
            <YAxis
              type="number"
              scale={props.log ? 'log' : 'linear'}
              domain={['auto', 'auto']}
              allowDataOverflow={props.log}
              tickFormatter={yTick}
              stroke={CHART.axis}
              width={56}
              interval={0}
            />
            <Tooltip
              isAnimationActive={false}
              contentStyle={CHART.tooltip}
              formatter={(v) => formatValue(Number(v))}
              labelFormatter={(x) => `${props.xLabel} ${formatValue(Number(x))}`}
            />
            <Legend />
            {props.references?.map((r) => (
              <ReferenceLine
                key={`${r.label} ${r.y}`}
                y={r.y}
                stroke={CHART.axis}
                strokeDasharray="2 4"
                ifOverflow="extendDomain"
                label={{
                  value: r.label,
                  position: 'insideTopRight',
                  fill: CHART.axis,
                  fontSize: 11,
                }}
              />
            ))}
            {drag && drag.from !== drag.to && (
              <ReferenceArea x1={drag.from} x2={drag.to} fill={CHART.accent} fillOpacity={0.15} />
            )}
            {props.series.map((s) => (
              <Line
                key={s.name}
                name={s.name}
                data={props.log ? s.points.filter((p) => p.y > 0) : s.points}
                dataKey="y"
                stroke={s.color}
                strokeDasharray={s.dashed ? '5 3' : undefined}
                // A legend swatch drawn as the line itself: dashed for validation, solid for train.
                legendType="plainline"
                dot={s.points.length < 30}
                isAnimationActive={false}
                strokeWidth={1.6}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
});
