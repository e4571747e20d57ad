// Chart colours as CSS variables, which studio.css sets for each theme: SVG attributes and inline
// styles resolve them, so that every chart follows a change of theme without drawing again.

/** A named colour of the palette (studio.css's --hue-*). */
export const hue = (name: string) => `var(--hue-${name})`;

export const CHART = {
  grid: 'var(--grid)',
  axis: 'var(--muted)',
  line: 'var(--line)',
  text: 'var(--text)',
  background: 'var(--bg)',
  accent: 'var(--accent)',
  good: 'var(--ok)',
  tooltip: { background: 'var(--panel)', border: '1px solid var(--border)' },
};

/** Colours of series side by side (runs, sweeps), in the order they are handed out. */
export const SERIES = ['sky', 'pink', 'lime', 'amber', 'purple', 'rose', 'teal'].map(hue);

/** Colours of the parts of a whole (ShareBar), in order. */
export const PARTS = [
  'sky',
  'green',
  'lime',
  'amber',
  'pink',
  'purple',
  'rose',
  'teal',
  'orange',
  'slate',
].map(hue);

/** The colours of the model's kinds of layer (the block diagram and the parameter bar). */
export const LAYER = {
  embedding: hue('sky'),
  ssm: hue('green'),
  attention: hue('amber'),
  norm: hue('slate'),
};
