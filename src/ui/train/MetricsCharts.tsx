// Live charts of every metric of the runs picked in the run list: smoothing, log scale, the x
// axis, a drag to zoom all of them, the gradient-norm heatmap, sweeps and how runs differ.

import { useCallback, useDeferredValue, useMemo, useState } from 'react';
import { useCharts } from '../../store/charts';
import { useDatasets } from '../../store/datasets';
import { useRuns } from '../../store/runs';
import { useSetup } from '../../store/setup';
import { SWEEP_AXES, sweepVariant } from '../../train/sweep';
import { ChartPicker } from '../charts/ChartPicker';
import { SERIES } from '../charts/colors';
import { MetricChart, type Series } from '../charts/MetricChart';
import { PartNormHeatmap } from '../charts/PartNormHeatmap';
import { runDifferences } from '../charts/runDifferences';
import {
  chartReferences,
  evalSeries,
  type StepMetric,
  stepSeries,
  type XAxisKind,
  type XRange,
} from '../charts/runSeries';
import { SweepChart } from '../charts/SweepChart';
import { sweepsOf } from '../charts/sweepPoints';
import { formatValue } from '../charts/ticks';

/**
 * The colour of the run made i-th (its place in the runs store) on the charts, and on its checkbox
 * in the run list, whichever order that shows.
 */
export const runColor = (i: number) => SERIES[i % SERIES.length];

const CHARTS: { id: StepMetric; title: string; val?: 'valLoss' | 'valPerplexity' }[] = [
  { id: 'loss', title: 'Loss', val: 'valLoss' },
  { id: 'perplexity', title: 'Perplexity', val: 'valPerplexity' },
  { id: 'lr', title: 'Learning rate' },
  { id: 'gradNorm', title: 'Gradient norm' },
  { id: 'tokensPerSec', title: 'Tokens per second' },
];

export function MetricsCharts() {
  // The charts redraw from a deferred copy of the runs: React renders it in the background, in
  // short slices, so that a batch of steps never holds the page up while it trains.
  const runs = useDeferredValue(useRuns((s) => s.runs));
  const compare = useRuns((s) => s.compare);
  const liveRunId = useRuns((s) => s.liveRunId);
  const { smoothing, log, x, zoom, set } = useCharts();
  const zoomTo = useCallback((range: XRange) => set({ zoom: range }), [set]);
  // The runs on the charts, each in its colour.
  const shown = useMemo(
    () => runs.map((r, i) => ({ r, color: runColor(i) })).filter(({ r }) => compare.includes(r.id)),
    [runs, compare],
  );
  const charts = useMemo(() => {
    const charted = shown.map(({ r }) => r);
    return CHARTS.map((c) => {
      const series: Series[] = [];
      for (const { r, color } of shown) {
        // An ended run's empty series (stopped before its first step, or never evaluated) gets no
        // legend entry. The live run keeps its entries while empty: a legend that grows when the
        // first points arrive lays every chart out again, a long task at the start of each run.
        const add = (s: Series) => {
          if (s.points.length > 0 || r.id === liveRunId) series.push(s);
        };
        add({
          name: `${r.name} train`,
          color,
          points: stepSeries(r.metrics, c.id, x, smoothing, zoom),
        });
        if (c.val) {
          add({
            name: `${r.name} validation`,
            color,
            dashed: true,
            points: evalSeries(r.metrics, c.val, x, zoom),
          });
        }
      }
      return { ...c, series, references: chartReferences(c.id, charted) };
    });
  }, [shown, x, smoothing, liveRunId, zoom]);
  // The heatmap shows one run: the newest of those on the charts, or the one picked among them.
  const [heatmapId, setHeatmapId] = useState<string>();
  const heatmapRun = (shown.find(({ r }) => r.id === heatmapId) ?? shown.at(-1))?.r;
  // The heatmap's steps follow the charts' zoom too.
  const heatmapSteps = useMemo(() => {
    const steps = heatmapRun?.metrics.steps ?? [];
    if (!zoom) return steps;
    return steps.filter((m) => {
      const at = m[x];
      return at !== undefined && at >= zoom[0] && at <= zoom[1];
    });
  }, [heatmapRun, zoom, x]);
  const sweeps = useMemo(() => sweepsOf(runs), [runs]);
  const datasets = useDatasets((s) => s.datasets);
  // What sets the charted runs apart: a few runs' settings compared, cheap at every render.
  const differences = runDifferences(
    shown.map(({ r }) => r),
    (id) => datasets.find((d) => d.id === id)?.name,
  );
  const [sweepId, setSweepId] = useState<string>();
  const sweep = sweeps.find((s) => s.id === sweepId) ?? sweeps[0];
  return (
    <section className="card">
      <div className="row" style={{ gap: '1.2rem', flexWrap: 'wrap', alignItems: 'center' }}>
        <h2 style={{ margin: 0 }}>Metrics</h2>
        <label className="inline">
          smoothing {smoothing.toFixed(2)}
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => set({ smoothing: e.target.valueAsNumber })}
          />
        </label>
        <label className="inline">
          <input type="checkbox" checked={log} onChange={(e) => set({ log: e.target.checked })} />{' '}
          log scale
        </label>
        <label className="inline">
          x axis
          <select
            value={x}
            onChange={(e) => set({ x: e.target.value as XAxisKind, zoom: undefined })}
          >
            <option value="step">step</option>
            <option value="tokens">tokens</option>
            <option value="time">time (s)</option>
            <option value="epochs">epochs of the data</option>
          </select>
        </label>
        {zoom ? (
          <span className="small" data-testid="chart-zoom">
            {x === 'time' ? 'seconds' : x} {formatValue(zoom[0])}–{formatValue(zoom[1])}{' '}
            <button type="button" onClick={() => set({ zoom: undefined })} data-testid="zoom-reset">
              Show all
            </button>
          </span>
        ) : (
          <span className="small muted">drag across a chart to zoom</span>
        )}
      </div>
      <div className="grid charts">
        {charts.map((c) => (
          <MetricChart
            key={c.id}
            title={c.title}
            series={c.series}
            log={log}
            xLabel={x === 'time' ? 'seconds' : x}
            testId={`chart-${c.id}`}
            references={c.references}
            zoom={zoom}
            onZoom={zoomTo}
          />
        ))}
        <PartNormHeatmap
          key={heatmapRun?.id}
          runName={heatmapRun?.name}
          config={heatmapRun?.config}
          steps={heatmapSteps}
          picker={
            heatmapRun &&
            shown.length > 1 && (
              <ChartPicker
                value={heatmapRun.id}
                options={shown.map(({ r }) => ({ id: r.id, label: r.name }))}
                onChange={setHeatmapId}
                label="the run whose gradient norms are drawn"
                testId="part-norms-run"
              />
            )
          }
        />
        {sweep && (
          <SweepChart
            sweep={sweep}
            onTake={(value) => {
              const { config, settings, adopt } = useSetup.getState();
              const taken = sweepVariant(config, settings, sweep.axis, value);
              adopt(taken.config, taken.settings);
            }}
            picker={
              sweeps.length > 1 && (
                <ChartPicker
                  value={sweep.id}
                  options={sweeps.map((s) => ({
                    id: s.id,
                    label: `${SWEEP_AXES[s.axis].short} ${s.points.map((p) => p.value).join(', ')}`,
                  }))}
                  onChange={setSweepId}
                  label="the sweep drawn"
                  testId="sweep-pick"
                />
              )
            }
          />
        )}
      </div>
      {shown.length > 1 && differences.length > 0 && (
        <div className="table-scroll">
          <table className="run-differences small" data-testid="run-differences">
            <caption className="muted">What sets the charted runs apart</caption>
            <thead>
              <tr>
                <th />
                {shown.map(({ r, color }) => (
                  <th key={r.id} className="name-cell" style={{ color }}>
                    {r.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {differences.map((d) => (
                <tr key={d.label}>
                  <th scope="row">{d.label}</th>
                  {d.values.map((v, i) => (
                    <td key={shown[i].r.id}>{v}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
