// The curve drawing: one or more series over the steps (training and held-out loss,
// accuracy), growing as data arrive; the values under the mouse are written out.
// Used by the live page and report.html.
import { fmt, sharp } from "brickprop/util.js";

export class CurveView {
  /**
   * Draw on `canvas`; `series` is a list of {key, label, colour, dash}; `log` puts
   * the y axis on a log scale (for losses).
   */
  constructor(canvas, { series, title = "", log = false, width = 360, height = 140 } = {}) {
    this.canvas = canvas;
    this.series = series;
    this.title = title;
    this.log = log;
    this.width = width;
    this.height = height;
    this.ctx = sharp(canvas, width, height);
    this.data = { x: [] };
    this.hover = null;
    this.mark = null;
    canvas.addEventListener("pointermove", (e) => {
      const r = canvas.getBoundingClientRect();
      this.hover = e.clientX - r.left;
      this.draw();
    });
    canvas.addEventListener("pointerleave", () => { this.hover = null; this.draw(); });
  }

  /** Replace the data: {x: [steps], <key>: [values or null], ...}; `mark`: an x to flag. */
  set(data, mark = null) {
    this.data = data;
    const d = this.ctx.canvas.dataset;  // what the page's tests read: points and first step
    d.points = String(data.x.length);
    d.first = data.x.length ? String(data.x[0]) : "";
    this.mark = mark;
    this.draw();
  }

  _y(v) {
    return this.log ? Math.log10(Math.max(v, 1e-12)) : v;
  }

  draw() {
    const ctx = this.ctx, w = this.width, h = this.height;
    const pad = { l: 44, r: 8, t: 18, b: 20 };
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#1b1b1b";
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillText(this.title, pad.l, 12);
    const xs = this.data.x;
    if (!xs.length) return;
    let lo = Infinity, hi = -Infinity;
    for (const s of this.series) {
      for (const v of this.data[s.key] || []) {
        if (v !== null && Number.isFinite(v) && (!this.log || v > 0)) {
          lo = Math.min(lo, this._y(v)); hi = Math.max(hi, this._y(v));
        }
      }
    }
    if (!Number.isFinite(lo)) return;
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    const x0 = xs[0], x1 = Math.max(xs[xs.length - 1], x0 + 1);
    const px = (x) => pad.l + (x - x0) / (x1 - x0) * (w - pad.l - pad.r);
    const py = (v) => pad.t + (1 - (this._y(v) - lo) / (hi - lo)) * (h - pad.t - pad.b);
    ctx.strokeStyle = "#d0d0d0";
    ctx.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
    ctx.fillStyle = "#555";
    ctx.font = "10px system-ui, sans-serif";
    const label = (v) => fmt(this.log ? 10 ** v : v, 3);
    ctx.fillText(label(hi), 2, pad.t + 8);
    ctx.fillText(label(lo), 2, h - pad.b);
    if (this.mark !== null) {
      ctx.strokeStyle = "#b00020";
      ctx.beginPath(); ctx.moveTo(px(this.mark), pad.t); ctx.lineTo(px(this.mark), h - pad.b);
      ctx.stroke();
    }
    for (const s of this.series) {
      const ys = this.data[s.key];
      if (!ys) continue;
      ctx.strokeStyle = s.colour;
      ctx.lineWidth = 1.6;
      ctx.setLineDash(s.dash ? [5, 3] : []);
      ctx.beginPath();
      let pen = false;
      ys.forEach((v, i) => {
        if (v === null || !Number.isFinite(v) || (this.log && v <= 0)) { pen = false; return; }
        if (pen) ctx.lineTo(px(xs[i]), py(v)); else ctx.moveTo(px(xs[i]), py(v));
        pen = true;
      });
      ctx.stroke();
    }
    ctx.setLineDash([]);
    this._legend(pad, xs, px);
  }

  _legend(pad, xs, px) {
    const ctx = this.ctx;
    let i = xs.length - 1;
    if (this.hover !== null) {
      let best = Infinity;
      xs.forEach((x, k) => { const d = Math.abs(px(x) - this.hover); if (d < best) { best = d; i = k; } });
      ctx.strokeStyle = "#888";
      ctx.beginPath(); ctx.moveTo(px(xs[i]), pad.t); ctx.lineTo(px(xs[i]), this.height - pad.b);
      ctx.stroke();
    }
    const parts = [`step ${xs[i]}`];
    for (const s of this.series) {
      const ys = this.data[s.key];
      if (ys && ys[i] !== null && ys[i] !== undefined) parts.push(`${s.label} ${fmt(ys[i])}`);
    }
    this.reading = parts.join(" · ");
    ctx.fillStyle = "#1b1b1b";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(this.reading, pad.l, this.height - 4);
  }
}
