// A chart as a PNG image, as it shows on the page: its title, the drawing (recharts' SVG in the
// theme's colours, or a canvas) and its legend or colour key. The page's SVG takes its colours from
// CSS variables and its legend is HTML, and neither survives as an image on its own: every
// element's painted style is written onto a copy (computed values, variables resolved), and the
// legend is drawn again in SVG.

/** A legend entry: a series' name and how its line is drawn. */
export interface LegendEntry {
  name: string;
  color: string;
  dashed?: boolean;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
// What an SVG element's look depends on, of the properties a chart sets (through attributes,
// classes or the stylesheet).
const PAINTED = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-opacity',
  'stroke-width',
  'stroke-dasharray',
  'opacity',
  'visibility',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
];
const TITLE_HEIGHT = 26;
const LEGEND_ROW = 20;
const PAD = 12;

/** A copy of `svg` whose every element carries its painted style inline. */
function resolvedCopy(svg: SVGSVGElement): SVGSVGElement {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((el, i) => {
    const style = getComputedStyle(el);
    const target = to[i] as SVGElement;
    for (const p of PAINTED) target.style.setProperty(p, style.getPropertyValue(p));
  });
  return copy;
}

function svgElement<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The colour a CSS colour (a variable included) paints as on the page, inside `within`. */
function resolveColor(color: string, within: Element): string {
  const probe = document.createElement('span');
  probe.style.color = color;
  within.appendChild(probe);
  const resolved = getComputedStyle(probe).color;
  probe.remove();
  return resolved;
}

/** A colour scale's key (the heatmap's): its colours from low to high, their ends, a note. */
export interface ColourKey {
  stops: readonly string[];
  from: string;
  to: string;
  note: string;
}

/** What goes under a chart: its lines' legend, or its colour scale's key. */
export type ChartKey = readonly LegendEntry[] | ColourKey;

/** The drawing in `figure`, as an element of the image: recharts' SVG, or a canvas as a picture. */
function drawing(figure: HTMLElement): { el: SVGElement; box: DOMRect } {
  // The wrapper's SVG, not the legend's icons.
  const svg = figure.querySelector<SVGSVGElement>('.recharts-wrapper > svg');
  const canvas = figure.querySelector('canvas');
  const shown = svg ?? canvas;
  const box = shown?.getBoundingClientRect();
  if (!shown || !box || box.width === 0) throw new Error('the chart is not drawn yet');
  const el = svg
    ? resolvedCopy(svg)
    : svgElement('image', {
        href: (canvas as HTMLCanvasElement).toDataURL('image/png'),
        width: box.width,
        height: box.height,
      });
  el.setAttribute('x', '0');
  el.setAttribute('y', String(TITLE_HEIGHT));
  return { el, box };
}

/** Draws the lines' legend from `top`, in rows of `perRow` entries across `width`. */
function drawLegend(
  out: SVGSVGElement,
  legend: readonly LegendEntry[],
  top: number,
  width: number,
  perRow: number,
  text: Record<string, string>,
  figure: HTMLElement,
) {
  const cell = (width - 2 * PAD) / perRow;
  legend.forEach((entry, i) => {
    const x = PAD + (i % perRow) * cell;
    const y = top + Math.floor(i / perRow) * LEGEND_ROW + 10;
    out.appendChild(
      svgElement('line', {
        x1: x,
        x2: x + 18,
        y1: y,
        y2: y,
        stroke: resolveColor(entry.color, figure),
        'stroke-width': 2,
        ...(entry.dashed ? { 'stroke-dasharray': '5 3' } : {}),
      }),
    );
    const name = svgElement('text', { ...text, x: x + 24, y: y + 4, 'font-size': 12 });
    name.textContent = entry.name;
    out.appendChild(name);
  });
}

/** Draws a colour scale's key from `top`: its low end, the scale, its high end, the note. */
function drawColourKey(
  out: SVGSVGElement,
  key: ColourKey,
  top: number,
  text: Record<string, string>,
) {
  const defs = svgElement('defs', {});
  const gradient = svgElement('linearGradient', { id: 'key' });
  key.stops.forEach((colour, i) => {
    const offset = key.stops.length > 1 ? i / (key.stops.length - 1) : 0;
    gradient.appendChild(svgElement('stop', { offset, 'stop-color': colour }));
  });
  defs.appendChild(gradient);
  out.appendChild(defs);
  // The scale's ends either side of it, and the note on the row below (a narrow chart's width).
  const y = top + 10;
  const parts = [
    { x: PAD, y, words: key.from },
    { x: PAD + 130, y, words: key.to },
    { x: PAD, y: y + LEGEND_ROW, words: key.note },
  ];
  out.appendChild(
    svgElement('rect', { x: PAD + 50, y: y - 5, width: 72, height: 10, fill: 'url(#key)' }),
  );
  for (const part of parts) {
    const t = svgElement('text', { ...text, x: part.x, y: part.y + 4, 'font-size': 12 });
    t.textContent = part.words;
    out.appendChild(t);
  }
}

/**
 * The chart in `figure` as a standalone SVG document: the title above it, its key below, on the
 * colour of the card it sits on.
 */
export function chartSvg(figure: HTMLElement, title: string, key: ChartKey): string {
  const { el, box } = drawing(figure);
  const width = Math.round(box.width);
  const style = getComputedStyle(figure);
  const text = { fill: style.color, 'font-family': style.fontFamily };
  const perRow = Math.max(1, Math.floor((width - 2 * PAD) / 220));
  const rows = 'stops' in key ? 2 : Math.ceil(key.length / perRow);
  const height = Math.round(TITLE_HEIGHT + box.height + rows * LEGEND_ROW + PAD);
  const out = svgElement('svg', {
    xmlns: SVG_NS,
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
  });
  const background = getComputedStyle(figure.closest('.card') ?? document.body).backgroundColor;
  out.appendChild(svgElement('rect', { width, height, fill: background }));
  const heading = svgElement('text', {
    ...text,
    x: PAD,
    y: 18,
    'font-size': 14,
    'font-weight': 600,
  });
  heading.textContent = title;
  out.appendChild(heading);
  out.appendChild(el);
  const top = TITLE_HEIGHT + box.height;
  if ('stops' in key) drawColourKey(out, key, top, text);
  else drawLegend(out, key, top, width, perRow, text, figure);
  return new XMLSerializer().serializeToString(out);
}

/** An SVG document drawn at `scale` times its size, as a PNG. */
export async function svgToPng(svgText: string, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(image.width * scale);
    canvas.height = Math.round(image.height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('This browser gave no 2D canvas to draw the image on');
    ctx.scale(scale, scale);
    ctx.drawImage(image, 0, 0);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (b) => (b ? resolve(b) : reject(new Error('The image could not be made'))),
        'image/png',
      ),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
