// The time histogram (uPlot bars) with a brush: drag across it to zoom the time range.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { QueryResult } from '../data/query';
import { h } from './dom';

export class Histogram {
  readonly el = h('div', { class: 'histogram', 'data-testid': 'histogram' });
  private plot: uPlot | null = null;
  private data: uPlot.AlignedData = [[], []];

  constructor(private onBrush: (t0: number, t1: number) => void) {
    new ResizeObserver(() => {
      if (this.plot && this.el.clientWidth > 0) this.plot.setSize({ width: this.el.clientWidth, height: 110 });
    }).observe(this.el);
  }

  private make() {
    const opts: uPlot.Options = {
      width: Math.max(this.el.clientWidth, 300),
      height: 110,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true } },
      // UTC, like the table.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      axes: [{ space: 80, size: 24 }, { size: 44, space: 20 }],
      series: [{}, { paths: uPlot.paths.bars!({ size: [0.9, Infinity], align: 1 }), fill: '#4b7bd3', stroke: '#3a64b0', points: { show: false } }],
      hooks: {
        setSelect: [
          (u) => {
            const w = u.select.width;
            if (w < 2) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + w, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.onBrush(Math.floor(a * 1000), Math.ceil(b * 1000));
          },
        ],
      },
    };
    this.plot = new uPlot(opts, this.data, this.el);
  }

  render(r: QueryResult) {
    const { t0, t1, bins } = r.hist;
    const n = bins.length;
    const w = (t1 - t0) / n;
    const xs: number[] = new Array(n);
    const ys: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = (t0 + i * w) / 1000;
      ys[i] = bins[i];
    }
    this.data = [xs, ys];
    if (!Number.isFinite(t0) || !Number.isFinite(t1)) return;
    if (!this.plot) this.make();
    else this.plot.setData(this.data);
    this.el.dataset.t0 = String(t0);
    this.el.dataset.t1 = String(t1);
  }
}
