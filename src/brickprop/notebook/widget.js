// brickprop's live view in a notebook: an anywidget whose model holds the setup and the
// latest frame (the format of brickprop/viz/frames.py, plus "curves", "state" and
// "message"), drawn by the same modules as the live page and report.html. Python
// resolves the imports below to data: URLs (brickprop/viz/assets.py, bundled()).
import { BoundaryView } from "brickprop/boundary.js";
import { CurveView } from "brickprop/curves.js";
import { NetworkView } from "brickprop/network.js";
import { float32s, fmt } from "brickprop/util.js";

const LAYOUT = `
  <dl class="bp-readout">
    <div><dt>step</dt><dd class="bp-step">0</dd></div>
    <div><dt>loss</dt><dd class="bp-loss">–</dd></div>
    <div><dt class="bp-metric-name">accuracy</dt><dd class="bp-metric">–</dd></div>
  </dl>
  <p class="bp-state" role="status" aria-live="polite">Waiting for fit to start…</p>
  <div class="bp-panels">
    <canvas class="bp-metric-curve"></canvas>
    <canvas class="bp-boundary"></canvas>
    <canvas class="bp-loss-curve"></canvas>
  </div>
  <div class="bp-scroll"><div class="bp-network-host"></div></div>`;

const CURVE = { width: 260, height: 220 };

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "bp-live bp-rich";
  root.innerHTML = LAYOUT;
  el.appendChild(root);
  const $ = (selector) => root.querySelector(selector);
  const network = new NetworkView($(".bp-network-host"), { width: 600 });
  const boundary = new BoundaryView($(".bp-boundary"), { size: 220 });
  const lossCurve = new CurveView($(".bp-loss-curve"), { ...CURVE, title: "loss", log: true,
    series: [{ key: "loss", label: "training", colour: "#0b5cad" },
      { key: "val_loss", label: "held-out", colour: "#1b9e77", dash: true }] });
  const metricCurve = new CurveView($(".bp-metric-curve"), { ...CURVE, title: "accuracy",
    series: [{ key: "metric", label: "training", colour: "#d95f02" },
      { key: "val_metric", label: "held-out", colour: "#1b9e77", dash: true }] });
  let run = null, drawn = 0;

  function onSetup() {
    const s = model.get("setup");
    if (!s || s.type !== "setup") return;
    run = s.run;
    network.setup(s);
    boundary.setup(s);
    const name = s.metric === "accuracy" ? "accuracy" : "R²";
    metricCurve.title = name;
    $(".bp-metric-name").textContent = name;
  }

  function onFrame() {
    const f = model.get("frame");
    if (!f || f.type !== "frame" || f.run !== run) return; // an older run's frame
    root.dataset.frames = String(++drawn);
    $(".bp-step").textContent = String(f.step);
    $(".bp-loss").textContent = fmt(f.loss);
    $(".bp-metric").textContent = fmt(f.metric, 3);
    $(".bp-state").textContent = f.message || "Training…";
    $(".bp-state").className = "bp-state " + f.state;
    network.update({ links: float32s(f.links), units: f.units || null,
      biases: f.biases.map((b) => Array.from(float32s(b))) });
    if (f.boundary) boundary.update(f.boundary);
    lossCurve.set(f.curves);
    metricCurve.set(f.curves);
  }

  onSetup();
  onFrame();
  model.on("change:setup", onSetup);
  model.on("change:frame", onFrame);
  return () => {
    model.off("change:setup", onSetup);
    model.off("change:frame", onFrame);
  };
}

export default { render };
