// brickprop run report: the step slider drives the drawings (the live page's modules,
// inlined through the import map), the network drawing and the
// explain panel (numbers embedded per snapshot by brickprop/report/numbers.py).
import { BoundaryView } from "brickprop/boundary.js";
import { CurveView } from "brickprop/curves.js";
import { NetworkView } from "brickprop/network.js";
import { Probe } from "brickprop/probe.js";

const data = JSON.parse(document.getElementById("report-data").textContent);
const n = data.frames.length;
const slider = document.getElementById("step");
const info = document.getElementById("step-info");
const play = document.getElementById("play");
const note = document.getElementById("net-note");
const drawings = data.drawings;
let timer = null;

const net = new NetworkView(document.getElementById("net-drawing"), { width: 720 });
const setup = drawings ? drawings.setup : {  // no data to draw on: the layers alone
  layers: data.sizes.map((size) => ({ n: size, drawn: Math.min(size, 16), activation: null })),
  plane: null, points: null, inputs: [],
};
net.setup(setup);
const boundary = new BoundaryView(document.getElementById("boundary"));
if (drawings) boundary.setup(drawings.setup);
const metricName = data.metric === "accuracy" ? "accuracy" : "R²";
const lossCurve = new CurveView(document.getElementById("loss-curve"), {
  title: "loss (per step's batch; dashed: held-out)", log: true, series: [
    { key: "loss", label: "loss", colour: "#0b5cad" },
    { key: "val_loss", label: "held-out", colour: "#1b9e77", dash: true }] });
const metricCurve = new CurveView(document.getElementById("metric-curve"), {
  title: metricName, series: [
    { key: "metric", label: metricName, colour: "#d95f02" },
    { key: "val_metric", label: "held-out", colour: "#1b9e77", dash: true }] });

const numbers = data.explain;
const probe = numbers ? new Probe(net, document.getElementById("explain"), null, explainAt)
  : null;

/** The embedded panel of `msg`'s link or unit at the slider's snapshot, shown by `probe`. */
function explainAt(msg) {
  const k = +slider.value, step = data.frames[k].step, panels = numbers.panels[k];
  const key = msg.unit !== undefined ? `${msg.layer}:${msg.unit}`
    : `${msg.layer}:${msg.i},${msg.j}`;
  const index = numbers.targets.indexOf(key);
  if (index < 0 || !panels) {
    probe.empty(step, index < 0 ? "This unit or link is not drawn, so it has no numbers here."
      : `No numbers recorded at step ${step}: move the slider to a snapshot whose index ` +
        `is a multiple of ${numbers.every}, or to the last.`);
    return;
  }
  const [title, rows] = panels[index], text = numbers.text;
  probe.show({ step, title: text[title], n_samples: numbers.n_samples, rows: rows.map(
    ([name, formula, value, samples]) => ({ name: text[name], formula: text[formula],
      value: value === null ? NaN : value,
      samples: samples && samples.map((v) => (v === null ? NaN : v)) })) });
}

function fmt(v) { return v === null ? "not finite" : Number(v.toPrecision(4)).toString(); }
function mode() { return document.querySelector("input[name=net-mode]:checked").value; }

function curvesUpTo(step) {
  const c = data.curves, m = c.x.findIndex((x) => x > step);
  const end = m < 0 ? c.x.length : Math.max(m, 1);
  const out = { x: c.x.slice(0, end) };
  for (const key of ["loss", "metric", "val_loss", "val_metric"]) {
    if (c[key]) out[key] = c[key].slice(0, end);
  }
  return out;
}

function drawNet(k) {
  const grads = mode() === "grads";
  const values = grads ? data.grads[k] : data.weights[k];
  const what = grads ? "gradient" : "weight";
  const frame = drawings ? drawings.frames[k] : {};
  if (!values) {
    net.lines.forEach((l) => l.setAttribute("visibility", "hidden"));
    note.textContent = "No gradient at step " + data.frames[k].step + ": this last " +
      "snapshot holds the weights the model kept, and no update was computed from them.";
    return;
  }
  net.lines.forEach((l) => l.setAttribute("visibility", "visible"));
  net.update({ links: values.map((v) => (v === null ? NaN : v)), units: frame.units || null,
    biases: frame.biases ? frame.biases.map(decodeBiases) : null, what });
  const bad = values.filter((v) => v === null).length;
  note.textContent = "Each link's " + what + " at step " + data.frames[k].step +
    "; the thickest link is |" + what + "| = " + fmt(net.max) + "." +
    (bad ? " " + bad + " links are not finite (dotted grey)." : "");
}

function decodeBiases(b64) {
  const text = atob(b64), bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return Array.from(new Float32Array(bytes.buffer));
}

function show(k) {
  const f = data.frames[k];
  let text = "Frame " + (k + 1) + " of " + n + ": step " + f.step + ", loss " + fmt(f.loss) +
    ", " + data.metric + " " + fmt(f.metric);
  if (data.diverged_frame !== null && k >= data.diverged_frame) text += " (diverged)";
  info.textContent = text;
  slider.setAttribute("aria-valuetext", text);
  document.body.classList.toggle("past-divergence",
    data.diverged_frame !== null && k >= data.diverged_frame);
  if (drawings) boundary.update(drawings.frames[k].boundary);
  const mark = data.diverged_frame !== null ? data.frames[data.diverged_frame].step : null;
  const curves = curvesUpTo(f.step);
  lossCurve.set(curves, mark);
  metricCurve.set(curves, mark);
  drawNet(k);
  if (probe) probe.frame({ step: f.step });
}

function stop() {
  clearInterval(timer); timer = null;
  play.textContent = "Play"; play.setAttribute("aria-pressed", "false");
}

play.addEventListener("click", () => {
  if (timer !== null) { stop(); return; }
  if (+slider.value >= n - 1) slider.value = 0;
  play.textContent = "Pause"; play.setAttribute("aria-pressed", "true");
  timer = setInterval(() => {
    const k = +slider.value + 1;
    if (k >= n) { stop(); return; }
    slider.value = k; show(k);
  }, 150);
});
slider.addEventListener("input", () => show(+slider.value));
document.querySelectorAll("input[name=net-mode]").forEach((r) => {
  r.addEventListener("change", () => drawNet(+slider.value));
});
document.getElementById("show-held-out").addEventListener("change", (e) => {
  boundary.set({ heldOut: e.target.checked });
});
document.getElementById("discretize").addEventListener("change", (e) => {
  boundary.set({ discretize: e.target.checked });
});
const jump = document.getElementById("goto-divergence");
if (jump) {
  jump.addEventListener("click", () => {
    stop(); slider.value = data.diverged_frame; show(data.diverged_frame); slider.focus();
  });
}
show(+slider.value);
