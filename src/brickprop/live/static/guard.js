// brickprop live: what the page shows of a run's health. Diagnostics: each layer's
// gradient norm and update-to-weight ratio as small curves (frames' `diag`); Remedies:
// the divergence guard's ranked remedies as buttons (frames' `remedies`, live/remedy.py).
import { CurveView } from "brickprop/curves.js";

const LAYER_COLOURS = ["#0b5cad", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e",
  "#a6761d", "#666666", "#e6ab02"];

export class Diagnostics {
  /** Two canvases; `size`: {width, height}; past `maxPoints` every other point is dropped. */
  constructor(gradCanvas, ratioCanvas, size, maxPoints) {
    Object.assign(this, { gradCanvas, ratioCanvas, size, maxPoints });
    this.data = null;
  }

  /** A new run of `nLayers` layers of weights: empty curves, one series per layer. */
  setup(nLayers) {
    const series = (p) => Array.from({ length: nLayers }, (_, k) => ({ key: p + k,
      label: `layer ${k + 1}`, colour: LAYER_COLOURS[k % LAYER_COLOURS.length] }));
    this.grad = new CurveView(this.gradCanvas, { ...this.size,
      title: "gradient norm per layer", log: true, series: series("g") });
    this.ratio = new CurveView(this.ratioCanvas, { ...this.size,
      title: "update / weight per layer", log: true, series: series("r") });
    this.data = { x: [] };
    for (let k = 0; k < nLayers; k++) { this.data["g" + k] = []; this.data["r" + k] = []; }
  }

  /** A frame's `diag` ({step, grad_norm, update_ratio}, or null): a point when it is new. */
  point(d) {
    const data = this.data;
    if (!d || !data || (data.x.length && d.step <= data.x.at(-1))) return;
    data.x.push(d.step);
    d.grad_norm.forEach((v, k) => { if (data["g" + k]) data["g" + k].push(v); });
    d.update_ratio.forEach((v, k) => { if (data["r" + k]) data["r" + k].push(v); });
    if (data.x.length > this.maxPoints) {
      for (const key of Object.keys(data)) data[key] = data[key].filter((_, i) => i % 2 === 0);
    }
    this.grad.set(data);
    this.ratio.set(data);
  }
}

export class Remedies {
  /** `box`: its first child is the heading; `apply(index)` sends the clicked remedy. */
  constructor(box, apply) {
    Object.assign(this, { box, apply });
    this.shown = "[]";
  }

  /** The guard's remedies ({index, label, text}), one button each; none: hidden. */
  show(list) {
    const key = JSON.stringify(list);
    if (key === this.shown) return;
    this.shown = key;
    const box = this.box;
    box.replaceChildren(box.firstElementChild);
    for (const r of list) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = r.label;
      button.title = r.text;
      button.dataset.index = String(r.index);
      button.onclick = () => this.apply(r.index);
      box.appendChild(button);
    }
    box.hidden = !list.length;
  }
}
