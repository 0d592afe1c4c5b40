// Charts drawn as SVG by the console itself (no library, no build step): a stacked bar
// chart of per-day series. Values only become attribute values and text nodes.

import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#2456a6', '#b4532a', '#1a7f37', '#9a6700', '#7a3fb0', '#0f7b8a', '#c42b1c', '#5f6b7a'];
const WIDTH = 640;
const HEIGHT = 200;
const PAD = { left: 36, right: 8, top: 10, bottom: 24 };

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value !== null && value !== undefined) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A round upper bound for the axis: 1, 2, 5, 10, 20, 50 … */
function niceMax(value) {
  if (value <= 1) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * step).find((m) => m >= value);
}

/**
 * `{ id, title, days: ['2026-12-01', …], series: [{ name, values: [n per day] }], empty }`:
 * one bar per day, the series stacked in a bar, a legend with each series' total. Each bar
 * part is a `<rect data-series data-day data-value>` with a tooltip.
 */
export function stackedBars({ id, title, days, series, empty = 'Nothing yet.' }) {
  const totals = days.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const sum = totals.reduce((a, b) => a + b, 0);
  const top = niceMax(Math.max(0, ...totals));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(1, slot * 0.7);
  const y = (v) => PAD.top + plotH - (v / top) * plotH;

  const grid = [0, top / 2, top].map((v) =>
    svg(
      'g',
      { class: 'chart-grid' },
      svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), stroke: '#dde1e6' }),
      svg('text', { x: PAD.left - 4, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#5f6b7a' }, formatCount(v)),
    ),
  );
  const bars = [];
  days.forEach((day, i) => {
    let base = 0;
    series.forEach((s, k) => {
      const value = s.values[i] ?? 0;
      if (value <= 0) return;
      const x = PAD.left + i * slot + (slot - barW) / 2;
      bars.push(
        svg(
          'rect',
          {
            x: x.toFixed(1),
            y: y(base + value).toFixed(1),
            width: barW.toFixed(1),
            height: (y(base) - y(base + value)).toFixed(1),
            fill: COLORS[k % COLORS.length],
            'data-series': s.name,
            'data-day': day,
            'data-value': value,
          },
          svg('title', null, `${day} · ${s.name}: ${value}`),
        ),
      );
      base += value;
    });
  });
  const labels = [0, Math.floor((days.length - 1) / 2), days.length - 1]
    .filter((i, k, all) => i >= 0 && all.indexOf(i) === k)
    .map((i) =>
      svg(
        'text',
        { x: PAD.left + i * slot + slot / 2, y: HEIGHT - 6, 'text-anchor': 'middle', 'font-size': 10, fill: '#5f6b7a' },
        days[i].slice(5),
      ),
    );
  const chart = svg(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      width: '100%',
      role: 'img',
      'aria-label': `${title}: ${sum} in ${days.length} days`,
      class: 'chart-svg',
    },
    svg('title', null, title),
    grid,
    bars,
    labels,
  );
  const legend = h(
    'ul',
    { class: 'chart-legend' },
    series.map((s, k) =>
      h(
        'li',
        { dataset: { series: s.name } },
        h('span', { class: `chart-swatch chart-swatch-${k % COLORS.length}`, 'aria-hidden': 'true' }),
        `${s.name} `,
        h('strong', null, String(s.values.reduce((a, b) => a + b, 0))),
      ),
    ),
  );
  return h(
    'figure',
    { class: 'chart', id },
    h('figcaption', null, title, ' ', h('span', { class: 'chart-total' }, String(sum))),
    sum === 0 ? h('p', { class: 'empty' }, empty) : [chart, legend],
  );
}

function formatCount(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** `{ method: [values] }` → the chart's series, largest first. */
export function seriesOf(byName) {
  return Object.entries(byName ?? {})
    .map(([name, values]) => ({ name, values }))
    .sort((a, b) => b.values.reduce((x, y) => x + y, 0) - a.values.reduce((x, y) => x + y, 0));
}
