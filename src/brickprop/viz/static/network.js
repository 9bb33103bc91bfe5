// The network drawing: layers of units, links whose width and colour follow a weight
// (or any value per link), and on each unit a thumbnail of its output over the input
// plane. Hovering a link shows its value, hovering a unit shows its thumbnail large;
// clicking either sends a "link-click" / "unit-click" event ({layer, i, j} / {layer, unit}).
// Used by the live page and report.html; data in the format of brickprop/viz/frames.py.
import { DIVERGING, bytes, fmt } from "brickprop/util.js";

const SVG = "http://www.w3.org/2000/svg";
const BIG = 150; // px: a hovered unit's thumbnail

function el(tag, attrs = {}, ns = null) {
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function layerName(k, n) {
  return k === 0 ? "input" : k === n - 1 ? "output" : `hidden ${k}`;
}

export class NetworkView {
  /** Draw into the element `root` (emptied), `width` CSS pixels wide. */
  constructor(root, { width = 640, unit = 30 } = {}) {
    this.root = root;
    this.width = width;
    this.size = unit;
    this.what = "weight";
    root.classList.add("bp-network");
    root.addEventListener("pointermove", (e) => this._hover(e));
    root.addEventListener("pointerleave", () => { this.tip.hidden = true; });
    root.addEventListener("click", (e) => this._click(e));
  }

  /** Lay out the layers of a setup message; thumbnails are drawn when it has a plane. */
  setup(setup) {
    const layers = setup.layers, s = this.size, pitch = s + 12;
    const drawn = layers.map((l) => l.drawn);
    this.layers = layers;
    this.thumb = setup.plane ? [setup.plane.thumb, setup.plane.dims === 2 ? setup.plane.thumb : 1]
      : null;
    this.height = Math.max(...drawn) * pitch + 50;
    const left = 56, step = (this.width - left - s - 24) / Math.max(layers.length - 1, 1);
    this.pos = layers.map((l, k) => {
      const top = 50 + (this.height - 50 - l.drawn * pitch) / 2;
      return Array.from({ length: l.drawn }, (_, i) => [left + k * step, top + i * pitch]);
    });
    this.root.replaceChildren();
    this.root.style.width = this.width + "px";
    this.root.style.height = this.height + "px";
    const svg = el("svg", { width: this.width, height: this.height, "aria-hidden": "true" }, SVG);
    this.links = [];
    this.lines = [];
    for (let k = 0; k + 1 < layers.length; k++) {
      for (let i = 0; i < drawn[k]; i++) {
        for (let j = 0; j < drawn[k + 1]; j++) {
          const [x1, y1] = this.pos[k][i], [x2, y2] = this.pos[k + 1][j];
          const line = el("line", { class: "link", x1: x1 + s, y1: y1 + s / 2, x2, y2: y2 + s / 2,
            stroke: "#999", "stroke-width": 1 }, SVG);
          svg.appendChild(line);
          this.lines.push(line);
          this.links.push([k, i, j, x1 + s, y1 + s / 2, x2, y2 + s / 2]);
        }
      }
    }
    this.root.appendChild(svg);
    this.units = layers.map((l, k) => this.pos[k].map(([x, y], i) => {
      const name = k === 0 && l.names ? l.names[i] : `unit ${i + 1}`;
      const box = el("div", { class: "unit", tabindex: 0, role: "button",
        "data-layer": k, "data-unit": i, "aria-label": `${layerName(k, layers.length)} ${name}` });
      box.style.cssText = `left:${x}px;top:${y}px;width:${s}px;height:${s}px`;
      if (this.thumb) {
        box.appendChild(el("canvas", { width: this.thumb[0], height: this.thumb[1] }));
      }
      if (k === 0 && l.names) {
        const label = el("span", { class: "unit-name" });
        label.textContent = l.names[i];
        box.appendChild(label);
      }
      this.root.appendChild(box);
      return box;
    }));
    layers.forEach((l, k) => {
      const head = el("div", { class: "layer-label" });
      head.style.cssText = `left:${this.pos[k][0][0] + s / 2}px`;
      head.textContent = layerName(k, layers.length);
      const count = el("span");
      count.textContent = `${l.n} unit${l.n === 1 ? "" : "s"}` +
        (l.drawn < l.n ? `, ${l.drawn} drawn` : "");
      head.appendChild(count);
      this.root.appendChild(head);
    });
    this.tip = el("div", { class: "tip", role: "status" });
    this.tip.hidden = true;
    this.big = el("canvas", { width: BIG, height: BIG });
    this.tipText = el("div");
    this.tip.append(this.big, this.tipText);
    this.root.appendChild(this.tip);
    this.pictures = layers.map(() => []);
    this.biases = layers.map(() => null);
    if (setup.inputs && setup.inputs.length) this.pictures[0] = setup.inputs.map(bytes);
    this._paintUnits(0);
  }

  /**
   * Show a frame: `links` (one value per drawn link, in setup order), `units`
   * (per layer after the input: base64 thumbnails) and `biases` (arrays per layer).
   */
  update({ links, units = null, biases = null, what = "weight" }) {
    this.values = links;
    this.what = what;
    let max = 0;
    for (const v of links) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
    this.max = max;
    // Only what changed is written: a frame moves most widths a little and few signs.
    this.lines.forEach((line, n) => {
      const v = links[n];
      const finite = v !== null && Number.isFinite(v);
      const kind = !finite ? "bad" : v >= 0 ? "pos" : "neg";
      const width = finite ? (0.5 + 6 * Math.abs(v) / (max || 1)).toFixed(1) : "1";
      if (line._kind !== kind) {
        line._kind = kind;
        line.setAttribute("stroke", kind === "bad" ? "#999" : `var(--${kind})`);
        line.setAttribute("stroke-dasharray", { bad: "1 3", pos: "none", neg: "5 3" }[kind]);
      }
      if (line._width !== width) {
        line._width = width;
        line.setAttribute("stroke-width", width);
      }
    });
    if (units) {
      units.forEach((layer, k) => { this.pictures[k + 1] = layer.map(bytes); });
      for (let k = 1; k < this.layers.length; k++) this._paintUnits(k);
    }
    if (biases) biases.forEach((b, k) => { this.biases[k + 1] = b; });
  }

  /** Mark faulty parts red: the units of drawing layers `units`, the links after layers `links`. */
  mark({ units = [], links = [] } = {}) {
    this.units.forEach((layer, k) => layer.forEach((box) => {
      box.classList.toggle("faulty", units.includes(k));
    }));
    this.lines.forEach((line, n) => {
      line.classList.toggle("faulty", links.includes(this.links[n][0]));
    });
  }

  /** Mark hidden units: `marks[k - 1][i]` is "saturated", "dead" or "" for unit i of layer k. */
  health(marks) {
    (marks || []).forEach((layer, k) => layer.forEach((mark, i) => {
      const box = this.units[k + 1] && this.units[k + 1][i];
      if (!box || box.dataset.health === mark) return;
      box.dataset.health = mark;
      box.title = mark ? `${mark} on the training data` : "";
    }));
  }

  _paintUnits(k) {
    if (!this.thumb) return;
    const [w, h] = this.thumb;
    (this.pictures[k] || []).forEach((values, i) => {
      const canvas = this.units[k][i].firstChild;
      const ctx = canvas.getContext("2d");
      const img = ctx.createImageData(w, h);
      for (let c = 0; c < w * h; c++) {
        const rgb = DIVERGING[values[c]];
        img.data.set(rgb, 4 * c);
        img.data[4 * c + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
    });
  }

  _unitAt(e) {
    const box = e.target.closest && e.target.closest(".unit");
    return box ? [+box.dataset.layer, +box.dataset.unit, box] : null;
  }

  _linkAt(e) {
    const r = this.root.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    let best = null, bestD = 6;
    this.links.forEach((l, n) => {
      const [, , , x1, y1, x2, y2] = l;
      const dx = x2 - x1, dy = y2 - y1;
      const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)));
      const d = Math.hypot(x - x1 - t * dx, y - y1 - t * dy);
      if (d < bestD) { bestD = d; best = n; }
    });
    return best;
  }

  _hover(e) {
    const unit = this._unitAt(e);
    const r = this.root.getBoundingClientRect();
    if (unit) {
      const [k, i, box] = unit;
      const name = this.layers[k].names ? this.layers[k].names[i] : `unit ${i + 1}`;
      const act = this.layers[k].activation;
      const bias = this.biases[k] ? `, bias ${fmt(this.biases[k][i])}` : "";
      this.tipText.textContent = `${layerName(k, this.layers.length)}, ${name}` +
        (act ? ` (${act}${bias})` : "");
      this.big.hidden = !this.thumb;
      if (this.thumb) {
        const ctx = this.big.getContext("2d");
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(box.firstChild, 0, 0, BIG, BIG);
      }
      this._place(e.clientX - r.left, e.clientY - r.top);
      return;
    }
    const n = this.values ? this._linkAt(e) : null;
    if (n === null) { this.tip.hidden = true; return; }
    const [k, i, j] = this.links[n];
    this.big.hidden = true;
    this.tipText.textContent = `${this.what} W${k + 1}[${i + 1}, ${j + 1}] = ${fmt(this.values[n])}`;
    this._place(e.clientX - r.left, e.clientY - r.top);
  }

  _place(x, y) {
    this.tip.hidden = false;
    const w = this.tip.offsetWidth;
    this.tip.style.left = Math.min(x + 14, this.width - w - 2) + "px";
    this.tip.style.top = y + 14 + "px";
  }

  _click(e) {
    const unit = this._unitAt(e);
    if (unit) {
      this.root.dispatchEvent(new CustomEvent("unit-click", { bubbles: true,
        detail: { layer: unit[0], unit: unit[1] } }));
      return;
    }
    const n = this.values ? this._linkAt(e) : null;
    if (n !== null) {
      const [k, i, j] = this.links[n];
      this.root.dispatchEvent(new CustomEvent("link-click", { bubbles: true,
        detail: { layer: k, i, j, value: this.values[n] } }));
    }
  }
}
