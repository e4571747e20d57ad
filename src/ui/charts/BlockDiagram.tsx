// The model as a picture: the embedding, one hybrid block (its SSM half, then its attention half,
// each ending in a residual add) repeated L times, and the tied head; every step with its shapes at
// this config and its parameters (blockDiagram.ts). Colours follow the parameter bar's parts.
import type { I3Config } from '../../model/config';
import { count } from '../common/format';
import { blockDiagram, type DiagramStep } from './blockDiagram';
import { CHART, LAYER } from './colors';

const W = 560;
const COL = 256; // a half-block's column
const GAP = 16; // between the columns, and around the block's frame
const BOX = 36;
const STEP = BOX + 10; // a box and the arrow below it

function Box({
  step,
  x,
  y,
  width,
  color,
}: {
  step: DiagramStep;
  x: number;
  y: number;
  width: number;
  color: string;
}) {
  return (
    <g data-testid="diagram-step">
      <rect x={x} y={y} width={width} height={BOX} rx={5} fill={CHART.background} stroke={color} />
      <text x={x + 8} y={y + 15} fill={CHART.text} fontSize={12}>
        {step.label}
      </text>
      <text x={x + 8} y={y + 29} fill={CHART.axis} fontSize={11}>
        {step.shape}
      </text>
      {step.params > 0 && (
        <text x={x + width - 8} y={y + 15} fill={CHART.axis} fontSize={10} textAnchor="end">
          {count(step.params)}
        </text>
      )}
    </g>
  );
}

/** An arrow down from y0 to y1 at x. */
function Down({ x, y0, y1 }: { x: number; y0: number; y1: number }) {
  return (
    <path
      d={`M${x},${y0} V${y1 - 4} l-3,-4 M${x},${y1 - 4} l3,-4`}
      stroke={CHART.line}
      fill="none"
    />
  );
}

export function BlockDiagram({ config }: { config: I3Config }) {
  const d = blockDiagram(config);
  const left = GAP;
  const right = W - GAP - COL;
  const inputY = 0;
  const frameY = inputY + STEP;
  const colY = frameY + 24;
  const colSteps = (steps: DiagramStep[], x: number, color: (s: DiagramStep) => string) =>
    steps.map((s, i) => (
      <g key={s.label}>
        <Box step={s} x={x} y={colY + i * STEP} width={COL} color={color(s)} />
        {i + 1 < steps.length && (
          <Down x={x + COL / 2} y0={colY + i * STEP + BOX} y1={colY + (i + 1) * STEP} />
        )}
      </g>
    ));
  const normOr = (c: string) => (s: DiagramStep) => (s.label === 'RMSNorm' ? LAYER.norm : c);
  const frameH = 24 + d.ssm.length * STEP + 4;
  const outputY = frameY + frameH + 10;
  const height = outputY + d.output.length * STEP - 10;
  const ssmEnd = colY + (d.ssm.length - 1) * STEP + BOX;
  const sum = (steps: DiagramStep[]) => steps.reduce((n, s) => n + s.params, 0);
  const ssmParams = sum(d.ssm);
  const attentionParams = sum(d.attention);
  return (
    <figure className="block-diagram" data-testid="block-diagram">
      <svg
        viewBox={`0 0 ${W} ${height}`}
        width="100%"
        role="img"
        aria-label={`The i3 model: embedding, ${d.layers} blocks of an SSM half and an attention half, tied head`}
      >
        <Box step={d.input} x={left} y={inputY} width={W - 2 * GAP} color={LAYER.embedding} />
        <Down x={W / 2} y0={BOX} y1={frameY} />
        <rect
          x={4}
          y={frameY}
          width={W - 8}
          height={frameH}
          rx={8}
          fill="none"
          stroke={CHART.grid}
          strokeDasharray="4 3"
        />
        <text x={12} y={frameY + 16} fill={CHART.axis} fontSize={11}>
          × {d.layers} blocks: the SSM half, then the attention half
        </text>
        {colSteps(d.ssm, left, normOr(LAYER.ssm))}
        {/* From the SSM half's residual add up to the attention half. */}
        <path
          d={`M${left + COL},${ssmEnd - BOX / 2} H${W / 2} V${colY + BOX / 2} H${right - 4} l-4,-3 m4,3 l-4,3`}
          stroke={CHART.line}
          fill="none"
        />
        {colSteps(d.attention, right, normOr(LAYER.attention))}
        <text
          x={right}
          y={colY + d.attention.length * STEP + 14}
          fill={CHART.axis}
          fontSize={11}
          data-testid="diagram-block-params"
        >
          <tspan x={right}>a block: {count(ssmParams + attentionParams)} parameters</tspan>
          <tspan x={right} dy={15}>
            SSM half {count(ssmParams)} · attention half {count(attentionParams)}
          </tspan>
        </text>
        <Down x={W / 2} y0={frameY + frameH} y1={outputY} />
        {d.output.map((s, i) => (
          <g key={s.label}>
            <Box
              step={s}
              x={left}
              y={outputY + i * STEP}
              width={W - 2 * GAP}
              color={i === 0 ? LAYER.norm : LAYER.embedding}
            />
            {i + 1 < d.output.length && (
              <Down x={W / 2} y0={outputY + i * STEP + BOX} y1={outputY + (i + 1) * STEP} />
            )}
          </g>
        ))}
      </svg>
    </figure>
  );
}
