// A chart as a PNG image, as it shows on the page: its title, the drawn SVG (in the theme's colours)
// and its legend. The page's SVG takes its colours from CSS variables and its legend is HTML, and
// neither survives as an image on its own: every element's painted style is written onto a copy
// (computed values, variables resolved), and the legend is drawn again in SVG.

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

/**
 * The recharts chart in `figure` (its wrapper's SVG, not the legend's icons) as a standalone SVG
 * document: the title above it, the
 * legend below it in rows, on the colour of the card it sits on.
 */
export function chartSvg(
  figure: HTMLElement,
  title: string,
  legend: readonly LegendEntry[],
): string {
  const svg = figure.querySelector<SVGSVGElement>('.recharts-wrapper > svg');
  if (!svg) throw new Error('The chart is not drawn yet');
  const box = svg.getBoundingClientRect();
  const width = Math.round(box.width);
  const style = getComputedStyle(figure);
  const text = style.color;
  const font = style.fontFamily;
  const perRow = Math.max(1, Math.floor((width - 2 * PAD) / 220));
  const rows = Math.ceil(legend.length / perRow);
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
    x: PAD,
    y: 18,
    fill: text,
    'font-family': font,
    'font-size': 14,
    'font-weight': 600,
  });
  heading.textContent = title;
  out.appendChild(heading);
  const plot = resolvedCopy(svg);
  plot.setAttribute('x', '0');
  plot.setAttribute('y', String(TITLE_HEIGHT));
  out.appendChild(plot);
  const cell = (width - 2 * PAD) / perRow;
  legend.forEach((entry, i) => {
    const x = PAD + (i % perRow) * cell;
    const y = TITLE_HEIGHT + box.height + Math.floor(i / perRow) * LEGEND_ROW + 10;
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
    const name = svgElement('text', {
      x: x + 24,
      y: y + 4,
      fill: text,
      'font-family': font,
      'font-size': 12,
    });
    name.textContent = entry.name;
    out.appendChild(name);
  });
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
