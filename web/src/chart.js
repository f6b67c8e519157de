// A trend chart (uPlot): time in seconds on x, one vital on y. uPlot draws on a canvas
// and styles through the CSSOM, which the page's policy allows (no inline style markup).
import uPlot from './uPlot.esm.js';
import { h } from './dom.js';

export function trendChart(container, { label, unit, width = 320, height = 120, points = [] }) {
  const xs = points.map((p) => p[0] / 1000);
  const ys = points.map((p) => p[1]);
  const opts = {
    width,
    height,
    legend: { show: false },
    cursor: { show: true, drag: { x: false, y: false } },
    scales: { x: { time: true } },
    axes: [
      { stroke: '#1f2933', grid: { stroke: '#d9dee3' }, size: 30 },
      { stroke: '#1f2933', grid: { stroke: '#d9dee3' }, size: 40 },
    ],
    series: [{}, { label, stroke: '#0b5cad', width: 2, points: { show: false } }],
  };
  const holder = h('div', { class: 'chart', role: 'img', 'aria-label': `${label} trend (${unit})` });
  container.appendChild(holder);
  const plot = new uPlot(opts, [xs, ys], holder);
  return {
    add(timeMs, value) {
      xs.push(timeMs / 1000);
      ys.push(value);
      // A live chart keeps a bounded window: the oldest points leave first.
      while (xs.length > 5000) { xs.shift(); ys.shift(); }
      plot.setData([xs, ys]);
    },
    destroy() { plot.destroy(); },
  };
}
