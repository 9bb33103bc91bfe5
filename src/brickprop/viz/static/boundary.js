// The boundary drawing: what the network predicts over the input plane as a heatmap,
// with the training points on top and the held-out points on a toggle; "discretize"
// shows the predicted class only. With one input it draws the fitted curve instead.
// Used by the live page and report.html; data in the format of brickprop/viz/frames.py.
import { CLASS, DIVERGING, bytes, classShade, fmt, paint, sharp } from "brickprop/util.js";

const BLACK = "#222";

export class BoundaryView {
  /** Draw on `canvas`, `size` CSS pixels square. */
  constructor(canvas, { size = 300 } = {}) {
    this.canvas = canvas;
    this.size = size;
    this.heldOut = false;
    this.discretize = false;
    this.ctx = sharp(canvas, size, size);
  }

  /** A setup message: the plane, the points and the task. */
  setup(setup) {
    this.plane = setup.plane;
    this.points = setup.points;
    this.classes = setup.classes;
    this.task = setup.task;
    this.values = null;
    this.canvas.setAttribute("aria-label", this.plane
      ? `What the network predicts over the input plane, with the ${this.points.train.length} ` +
        "training points" : "No input plane to draw: the data has more than two inputs");
    this.draw();
  }

  /** A frame's `boundary`: {kind, values, conf}. */
  update(boundary) {
    this.kind = boundary.kind;
    this.values = boundary.kind === "curve" ? boundary.values : bytes(boundary.values);
    this.conf = boundary.conf ? bytes(boundary.conf) : null;
    this.draw();
  }

  /** Change `heldOut` (show held-out points) or `discretize`, and redraw. */
  set(options) {
    Object.assign(this, options);
    this.draw();
  }

  _toPx(x1, x2) {
    const [a, b, c, d] = this.plane.extent, s = this.size;
    return [(x1 - a) / (b - a) * s, (1 - (x2 - c) / (d - c)) * s];
  }

  _colour() {
    if (this.kind === "classes") {
      return (u, i) => classShade(u, this.discretize ? 1 : this.conf[i] / 255);
    }
    if (this.discretize && this.task === "classification") {
      return (u) => DIVERGING[u >= 128 ? 235 : 20];
    }
    return (u) => DIVERGING[u];
  }

  draw() {
    const ctx = this.ctx, s = this.size;
    ctx.clearRect(0, 0, s, s);
    ctx.fillStyle = "#f7f7f7";
    ctx.fillRect(0, 0, s, s);
    if (!this.plane) {
      ctx.fillStyle = "#555";
      ctx.font = "14px system-ui, sans-serif";
      ctx.fillText("no input plane: more than two inputs", 12, s / 2);
      return;
    }
    const n = this.plane.grid;
    if (this.values && this.kind !== "curve") {
      paint(ctx, this.values, n, n, this._colour(), 0, 0, s, s, !this.discretize);
    }
    ctx.drawImage(this._pointsLayer(), 0, 0, s, s);
    if (this.kind === "curve" && this.values) this._curve();
    ctx.strokeStyle = "#bbb";
    ctx.strokeRect(0.5, 0.5, s - 1, s - 1);
    this._axes();
  }

  /** The points, drawn once per setup and toggle into a canvas of their own. */
  _pointsLayer() {
    const key = `${this.heldOut}`;
    if (this._layer && this._layerKey === key && this._layerPoints === this.points) {
      return this._layer;
    }
    const ratio = window.devicePixelRatio || 1;
    const layer = document.createElement("canvas");
    layer.width = layer.height = Math.round(this.size * ratio);
    const ctx = layer.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const sets = [["train", "#fff", 1]];
    if (this.heldOut) sets.push(["held_out", BLACK, 0.85]);
    for (const [name, ring, alpha] of sets) {
      for (const p of this.points[name] || []) this._point(ctx, p, ring, alpha);
    }
    this._layer = layer;
    this._layerKey = key;
    this._layerPoints = this.points;
    return layer;
  }

  _point(ctx, p, ring, alpha) {
    const [x, y] = this._toPx(p[0], p[1]);
    const c = p[p.length - 1];
    if (this.plane.dims === 1) {
      ctx.fillStyle = "#555";
    } else if (this.task === "classification") {
      ctx.fillStyle = CLASS[c % CLASS.length];
    } else {
      const [lo, hi] = this.plane.values;
      const u = Math.max(0, Math.min(255, Math.round((c - lo) / (hi - lo || 1) * 255)));
      ctx.fillStyle = `rgb(${DIVERGING[u].map((v) => Math.round(v * 0.8)).join(",")})`;
    }
    ctx.globalAlpha = alpha;
    ctx.beginPath();
    ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = ring;
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  _curve() {
    const ctx = this.ctx, [a, b] = this.plane.extent, n = this.values.length;
    ctx.strokeStyle = CLASS[1];
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    this.values.forEach((v, i) => {
      const [x, y] = this._toPx(a + (b - a) * i / (n - 1), v === null ? NaN : v);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }

  _axes() {
    const ctx = this.ctx, [a, b, c, d] = this.plane.extent, s = this.size;
    ctx.fillStyle = "#555";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(fmt(a, 2), 3, s - 4);
    ctx.fillText(`x₁ ${fmt(b, 2)}`, s - 44, s - 4);
    ctx.fillText(`${this.plane.dims === 1 ? "y" : "x₂"} ${fmt(d, 2)}`, 3, 12);
    if (c !== a) ctx.fillText(fmt(c, 2), 3, s - 16);
  }
}
