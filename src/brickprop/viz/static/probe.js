// The explain panel of the live page and report.html: a clicked link or unit is explained
// from bp.explain's trace (brickprop/viz/panel.py): by the live server at the shown step
// (brickprop/live/probe.py), or from the numbers report.html embeds for each snapshot.
// On the live page a bug toggle answers with bp.gradcheck's verdict, marked red in the
// drawing. Each row of the panel keeps its value in data-value (what browser tests compare).
import { fmt } from "brickprop/util.js";

function cell(tag, text, className) {
  const c = document.createElement(tag);
  c.textContent = text;
  if (className) c.className = className;
  return c;
}

export class Probe {
  /** `panel`: the explain panel's root; `verdict`: the #gradcheck line (or null);
   * `send(msg)`: asks for the numbers of `{type: "explain", layer, i, j | unit}`. */
  constructor(network, panel, verdict, send) {
    Object.assign(this, { network, panel, verdict, send });
    this.target = null;
    this.step = null;
    const root = network.root;
    root.addEventListener("link-click", (e) => this.select({ layer: e.detail.layer,
      i: e.detail.i, j: e.detail.j }));
    root.addEventListener("unit-click", (e) => this.select({ layer: e.detail.layer,
      unit: e.detail.unit }));
  }

  select(target) {
    this.target = target;
    this.send({ type: "explain", ...target });
  }

  /** A new frame: when its step differs from the panel's, explain the selection again. */
  frame(f) {
    if (this.target && f.step !== this.step) {
      this.step = f.step;
      this.send({ type: "explain", ...this.target });
    }
  }

  /** A new run: the selection may not exist any more. */
  setup() {
    this.target = null;
    this.step = null;
    this.panel.querySelector("caption").textContent = "Click a link or a unit.";
    this.panel.querySelector("tbody").replaceChildren();
  }

  /** No numbers to show for the selection at `step`: say why (`text`). */
  empty(step, text) {
    this.step = step;
    this.panel.dataset.step = String(step);
    this.panel.querySelector("caption").textContent = text;
    this.panel.querySelector("tbody").replaceChildren();
  }

  show(msg) {
    this.step = msg.step;
    this.panel.dataset.step = String(msg.step);
    this.panel.querySelector("caption").textContent =
      `${msg.title}, at step ${msg.step}, on ${msg.n_samples} training samples`;
    const body = this.panel.querySelector("tbody");
    body.replaceChildren(...msg.rows.map((r) => {
      const row = document.createElement("tr");
      row.dataset.name = r.name;
      row.dataset.value = String(r.value);
      const samples = r.samples ? r.samples.map((v) => fmt(v)).join(", ") + ", …" : "";
      row.append(cell("th", r.name), cell("td", fmt(r.value), "value"),
        cell("td", r.formula, "formula"), cell("td", samples, "samples"));
      return row;
    }));
  }

  checked(msg) {
    this.verdict.textContent = msg.text;
    this.verdict.className = msg.passed ? "passed" : "failed";
    this.network.mark(msg);
    // the bug changed the backward pass: show the selection's numbers as traced now
    if (this.target) this.send({ type: "explain", ...this.target });
  }
}
