// The gradient norm of each part of the model (the embedding, each block's SSM and attention, the
// final norm) over a run, as a heatmap: time runs left to right, parts top to bottom, brighter is
// larger on a log scale. A part whose gradient fades or blows up shows as a dark or bright band.
// Drawn on a canvas: at i3-22m a run's grid is 50 parts × 200 steps, too many cells for SVG.
import { type MouseEvent, memo, type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import type { I3Config } from '../../model/config';
import { gradientParts } from '../../model/params';
import { useTheme } from '../../store/theme';
import type { StepMetrics } from '../../train/metrics';
import type { ColourKey } from './chartImage';
import { colourPosition, partNormGrid } from './partNormGrid';
import { SaveChart } from './SaveChart';
import { formatValue } from './ticks';

const HEIGHT = 220;
const LABELS = 84; // the part names' margin, in CSS pixels
const MAX_COLUMNS = 200;
// Viridis' ends and three stops between: dark (small) to bright (large), readable on the panel.
const STOPS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

function colour(t: number): string {
  const x = t * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [r, g, b] = STOPS[i].map((c, k) => Math.round(c + f * (STOPS[i + 1][k] - c)));
  return `rgb(${r},${g},${b})`;
}

const KEY_STOPS = STOPS.map((_, i) => colour(i / (STOPS.length - 1)));
const GRADIENT = `linear-gradient(to right, ${KEY_STOPS.join(', ')})`;
const TITLE = 'Gradient norm by part';

/**
 * The labels beside the rows, at their heights: the embedding and the final norm, and each block's
 * name between its two rows, as many blocks as fit at 12 pixels apart.
 */
function rowLabels(names: string[], rowHeight: number): { text: string; y: number }[] {
  // Half a line from the edges at least, so that thin end rows keep their labels whole.
  const ends = [
    { text: names[0], y: Math.max(7, rowHeight / 2) },
    { text: names[names.length - 1], y: Math.min(HEIGHT - 7, HEIGHT - rowHeight / 2) },
  ];
  const labels = [...ends];
  names.forEach((name, g) => {
    const block = /^block \d+/.exec(name);
    if (!block || !name.endsWith('SSM')) return;
    const y = (g + 1) * rowHeight;
    if (labels.every((l) => Math.abs(l.y - y) >= 12)) labels.push({ text: block[0], y });
  });
  return labels;
}

interface Hover {
  x: number;
  y: number;
  /** Whether the pointer is on the right half: the tip then opens to its left. */
  right: boolean;
  text: string;
}

/** One run's heatmap (mounted with the run as its key: its grid follows that run's steps only). */
export const PartNormHeatmap = memo(function PartNormHeatmap(props: {
  runName?: string;
  config?: I3Config;
  steps: readonly StepMetrics[];
  /** A choice of run, shown in place of its name where several are on the charts. */
  picker?: ReactNode;
}) {
  const { config, steps } = props;
  const names = useMemo(() => (config ? gradientParts(config).map((p) => p.name) : []), [config]);
  // The first and newest steps that kept their part norms (each a few steps from its end at
  // most): the steps grow every step, and a zoom cuts them at either end.
  const oldest = steps.find((m) => m.partGradNorms)?.step;
  const newest = steps.findLast((m) => m.partGradNorms)?.step;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the grid (and the canvas) change only with the kept steps' ends
  const grid = useMemo(
    () => (names.length ? partNormGrid(steps, names.length, MAX_COLUMNS) : undefined),
    [names, oldest, newest],
  );
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<Hover>();
  const theme = useTheme((s) => s.theme);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: theme changes the labels' colour, a CSS variable read in the effect
  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx || width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    el.width = Math.round(width * dpr);
    el.height = Math.round(HEIGHT * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    if (!grid) return;
    const rowH = HEIGHT / names.length;
    const colW = (width - LABELS) / grid.steps.length;
    grid.norms.forEach((row, g) => {
      row.forEach((norm, c) => {
        ctx.fillStyle = colour(colourPosition(grid, norm));
        // A hair wider than the cell, so that rounding leaves no seams between cells.
        ctx.fillRect(LABELS + c * colW, g * rowH, colW + 0.5, rowH + 0.5);
      });
    });
    // A canvas does not resolve CSS variables: the theme's muted colour, read from the page.
    ctx.fillStyle = getComputedStyle(el).getPropertyValue('--muted');
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (const { text, y } of rowLabels(names, rowH)) ctx.fillText(text, 2, y, LABELS - 6);
  }, [grid, names, width, theme]);

  const onMove = (e: MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    if (!grid || x < LABELS) return setHover(undefined);
    const c = Math.min(
      grid.steps.length - 1,
      Math.floor(((x - LABELS) / (rect.width - LABELS)) * grid.steps.length),
    );
    const g = Math.min(names.length - 1, Math.floor((y / rect.height) * names.length));
    setHover({
      x,
      y,
      right: x > rect.width / 2,
      text: `${names[g]} · step ${grid.steps[c]}: ${formatValue(grid.norms[g][c])}`,
    });
  };

  const key: ColourKey | undefined = grid && {
    stops: KEY_STOPS,
    from: formatValue(10 ** grid.lo),
    to: formatValue(10 ** grid.hi),
    note: `log scale · steps ${grid.steps[0]}–${grid.steps.at(-1)} · each block: SSM above attention`,
  };
  const figure = useRef<HTMLElement>(null);
  const title = props.runName ? `${TITLE} · ${props.runName}` : TITLE;
  return (
    <figure
      className="chart"
      data-testid="chart-part-norms"
      data-parts={grid ? names.length : 0}
      data-columns={grid?.steps.length ?? 0}
      ref={figure}
    >
      <figcaption className="chart-caption">
        {TITLE}
        {props.picker ? <> · {props.picker}</> : props.runName && ` · ${props.runName}`}
        <SaveChart
          figure={figure}
          title={title}
          chartKey={key ?? []}
          disabled={!key}
          testId="chart-part-norms-save"
        />
      </figcaption>
      <div className="chart-body heatmap">
        {!grid && (
          <div className="chart-empty muted">
            {props.runName ? 'No part norms in this run' : 'No data yet'}
          </div>
        )}
        <canvas
          ref={canvas}
          style={{ width: '100%', height: HEIGHT }}
          onMouseMove={onMove}
          onMouseLeave={() => setHover(undefined)}
          aria-label="gradient norm of each part of the model, step by step"
        />
        {hover && (
          <div
            className="heatmap-tip"
            style={{
              top: hover.y + 12,
              ...(hover.right
                ? { right: `calc(100% - ${hover.x - 12}px)` }
                : { left: hover.x + 12 }),
            }}
          >
            {hover.text}
          </div>
        )}
      </div>
      {key && (
        <div className="heatmap-key small muted">
          <span>{key.from}</span>
          <i style={{ background: GRADIENT }} />
          <span>{key.to}</span>
          <span>{key.note}</span>
        </div>
      )}
    </figure>
  );
});
