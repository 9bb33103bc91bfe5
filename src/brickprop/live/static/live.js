// brickprop live: the page. Its controls are generated from the run options'
// declaration (brickprop/live/options.py), one per config key, named by the key; the
// server trains and sends setup and frame messages (brickprop/viz/frames.py), drawn
// by the modules report.html uses too. The URL's query holds every key that differs
// from the default run, so a link reproduces the page.
import { BoundaryView } from "brickprop/boundary.js";
import { CurveView } from "brickprop/curves.js";
import { NetworkView } from "brickprop/network.js";
import { float32s, fmt } from "brickprop/util.js";
import { Probe } from "brickprop/probe.js";
import { Diagnostics, Remedies } from "./guard.js";

const OPTIONS = JSON.parse(document.getElementById("options").textContent);
const LIMITS = JSON.parse(document.getElementById("limits").textContent);
const BY_NAME = Object.fromEntries(OPTIONS.map((o) => [o.name, o]));
const MAX_POINTS = 1000; // per curve: past that every other point is dropped
const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const token = query.get("token") || "";

let socket = null, confirmed = {}, state = "paused", setupMsg = null, curves = null;
const network = new NetworkView($("network"), { width: 520 });
const probe = new Probe(network, $("explain"), $("gradcheck"), (msg) => send(msg));
const CURVE = { width: 310, height: 130 };
const boundary = new BoundaryView($("boundary"));
const lossCurve = new CurveView($("loss-curve"), { ...CURVE, title: "loss (dashed: held-out)", log: true,
  series: [{ key: "loss", label: "training", colour: "#0b5cad" },
    { key: "val_loss", label: "held-out", colour: "#1b9e77", dash: true }] });
const diagnostics = new Diagnostics($("grad-curve"), $("ratio-curve"), CURVE, MAX_POINTS);
const remedies = new Remedies($("remedies"), (index) => send({ type: "remedy", index }));
const metricCurve = new CurveView($("metric-curve"), { ...CURVE, title: "accuracy", series: [
  { key: "metric", label: "training", colour: "#d95f02" },
  { key: "val_metric", label: "held-out", colour: "#1b9e77", dash: true }] });

// ---- controls, generated from the declaration ----------------------------------------
function control(o) {
  const wrap = document.createElement("div");
  wrap.className = "control";
  wrap.title = o.help;
  const id = "opt-" + o.name;
  if (o.choices.length && o.kind === "list[str]") {
    const box = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = o.name;
    box.appendChild(legend);
    o.choices.forEach((c, i) => {
      const label = document.createElement("label");
      const input = document.createElement("input");
      Object.assign(input, { type: "checkbox", name: o.name, value: c });
      label.append(input, " " + (o.labels ? o.labels[i] : c));
      box.appendChild(label);
    });
    wrap.appendChild(box);
  } else {
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = o.name;
    let input;
    if (o.choices.length) {
      input = document.createElement("select");
      for (const c of o.choices) input.add(new Option(c, c));
    } else if (o.kind === "bool") {
      input = document.createElement("input");
      input.type = "checkbox";
    } else {
      input = document.createElement("input");
      input.type = o.kind === "int" || o.kind === "float" ? "number" : "text";
      if (input.type === "number") input.step = "any";
      if (o.optional) input.placeholder = "not set";
    }
    Object.assign(input, { id, name: o.name });
    if (o.read_only) input.disabled = true;
    wrap.append(label, input);
  }
  if (o.place === "more") {
    const help = document.createElement("small");
    help.textContent = o.help + (o.live ? " (live)" : "");
    wrap.appendChild(help);
  }
  wrap.addEventListener("change", () => send({ type: "set", values: { [o.name]: read(o.name) } }));
  return wrap;
}

for (const o of OPTIONS) {
  document.querySelector(`.controls[data-place="${o.place}"]`).appendChild(control(o));
}

function read(name) {
  const o = BY_NAME[name];
  const inputs = document.querySelectorAll(`[name="${name}"]`);
  if (o.kind === "list[str]" && o.choices.length) {
    return [...inputs].filter((i) => i.checked).map((i) => i.value).join("+");
  }
  const input = inputs[0];
  return o.kind === "bool" ? String(input.checked) : input.value.trim();
}

function write(name, text) {
  const o = BY_NAME[name];
  const inputs = document.querySelectorAll(`[name="${name}"]`);
  if (o.kind === "list[str]" && o.choices.length) {
    const on = new Set(text ? text.split("+") : []);
    inputs.forEach((i) => { i.checked = on.has(i.value); });
  } else if (o.kind === "bool") {
    inputs[0].checked = text === "true";
  } else {
    inputs[0].value = text;
  }
}

function showConfig(config) {
  confirmed = config;
  for (const [name, text] of Object.entries(config)) write(name, text);
  unitButtons();
  const keys = Object.keys(config).filter((k) => config[k] !== BY_NAME[k].default);
  const parts = [`token=${encodeURIComponent(token)}`];
  for (const k of keys) parts.push(`${k}=${encodeURIComponent(config[k]).replace(/%2B/g, "+")}`);
  if ($("speed").value !== "500") parts.push(`speed=${$("speed").value}`);
  history.replaceState(null, "", "?" + parts.join("&"));
}

// ---- the hidden layers' +/- buttons edit the hidden key ------------------------------
function hidden() { return (confirmed.hidden || "").split("+").filter(Boolean).map(Number); }
function setHidden(sizes) { send({ type: "set", values: { hidden: sizes.join("+") } }); }

function unitButtons() {
  const span = $("units-buttons");
  span.replaceChildren();
  hidden().forEach((n, k) => {
    const group = document.createElement("span");
    group.className = "units";
    const minus = document.createElement("button"), plus = document.createElement("button");
    minus.type = plus.type = "button";
    minus.textContent = "−"; plus.textContent = "+";
    minus.setAttribute("aria-label", `fewer units in hidden layer ${k + 1}`);
    plus.setAttribute("aria-label", `more units in hidden layer ${k + 1}`);
    minus.disabled = n <= 1; plus.disabled = n >= LIMITS["units per layer"];
    minus.onclick = () => setHidden(hidden().map((m, i) => (i === k ? m - 1 : m)));
    plus.onclick = () => setHidden(hidden().map((m, i) => (i === k ? m + 1 : m)));
    group.append(minus, ` ${n} `, plus);
    span.appendChild(group);
  });
  $("add-layer").disabled = hidden().length >= LIMITS["hidden layers"];
  $("remove-layer").disabled = hidden().length <= 1;
}
$("add-layer").onclick = () => setHidden([...hidden(), hidden().at(-1) || 2]);
$("remove-layer").onclick = () => setHidden(hidden().slice(0, -1));

// ---- the socket ---------------------------------------------------------------------
function send(msg) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
}

function error(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}

function onSetup(msg) {
  setupMsg = msg;
  error("");
  network.setup(msg);
  probe.setup();
  diagnostics.setup(msg.layers.length - 1);
  boundary.setup(msg);
  const h = msg.history || { x: [] };  // an opened run folder's curves from metrics.csv
  curves = Object.fromEntries(["x", "loss", "val_loss", "metric", "val_metric"].map((key) =>
    [key, h[key] ? [...h[key]] : h.x.map(() => null)]));
  const name = msg.metric === "accuracy" ? "accuracy" : "R²";
  $("metric-name").textContent = name[0].toUpperCase() + name.slice(1);
  metricCurve.title = name;
  $("toml").textContent = msg.toml;
  $("download").href = URL.createObjectURL(new Blob([msg.toml], { type: "application/toml" }));
  showConfig(msg.config);
}

function addPoint(f) {
  for (const [key, v] of [["x", f.step], ["loss", f.loss], ["val_loss", f.val_loss],
    ["metric", f.metric], ["val_metric", f.val_metric]]) curves[key].push(v);
  if (curves.x.length > MAX_POINTS) {
    for (const key of Object.keys(curves)) curves[key] = curves[key].filter((_, i) => i % 2 === 0);
  }
}

let drawn = 0; // frames drawn: benchmarks/bench_live.py reads it from <body data-frames>
const FRAME_MS = 1000 / 36; // at most 36 frames a second (see the frame handler)
let lastFrame = 0;

function onFrame(f) {
  state = f.state;
  document.body.dataset.frames = String(++drawn);
  $("step").textContent = String(f.step);
  $("loss").textContent = fmt(f.loss);
  $("val-loss").textContent = f.val_loss === null ? "–" : fmt(f.val_loss);
  $("metric").textContent = fmt(f.metric, 3);
  $("lr-now").textContent = fmt(f.lr);
  const playing = f.state === "playing";
  $("play").textContent = playing ? "❚❚ Pause" : "▶ Play";
  $("play").setAttribute("aria-pressed", String(playing));
  $("play").disabled = f.state === "finished";
  const back = f.rollbacks || [];  // --on-diverge rollback: the guard went back and goes on
  const rolled = back.length ? ` Rolled back ×${back.length}; last: ${back.at(-1)}` : "";
  $("state").textContent = (f.message || { playing: "Training…", paused: "Paused.",
    finished: "Finished.", diverged: "Diverged." }[f.state]) + rolled;
  $("state").className = "state " + f.state;
  if (!curves.x.length || f.step > curves.x.at(-1)) addPoint(f);
  network.update({ links: float32s(f.links), units: f.units || null,
    biases: f.biases.map((b) => Array.from(float32s(b))) });
  if (f.boundary) boundary.update(f.boundary);
  probe.frame(f);
  network.health(f.marks);
  diagnostics.point(f.diag);
  remedies.show(f.remedies || []);
  lossCurve.set(curves);
  metricCurve.set(curves);
}

function connect() {
  socket = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket.onopen = () => {
    const values = {};
    for (const [k, v] of query) {
      if (k in BY_NAME) values[k] = BY_NAME[k].kind.startsWith("list") ? v.replace(/ /g, "+") : v;
    }
    if (query.get("speed")) $("speed").value = query.get("speed");
    send({ type: "start", values });
    send({ type: "speed", value: Number($("speed").value) });
    $("state").textContent = "Paused.";
  };
  socket.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "setup") onSetup(msg);
    else if (msg.type === "config") showConfig(msg.config);
    else if (msg.type === "explain") probe.show(msg);
    else if (msg.type === "gradcheck") probe.checked(msg);
    else if (msg.type === "saved") {
      $("saved").textContent = msg.message;
      $("saved").dataset.path = msg.path;
      $("saved").hidden = false;
      $("save").disabled = false;
    }
    else if (msg.type === "error") {
      error(msg.message);
      showConfig(confirmed);
      $("save").disabled = false;
    }
    else if (msg.type === "frame") {
      requestAnimationFrame(() => {
        onFrame(msg);
        // Ask for the next frame no sooner than FRAME_MS after the last ask: past 30 frames a
        // second the eye gains little, and drawing takes the cores the training needs.
        const wait = FRAME_MS - (performance.now() - lastFrame);
        lastFrame = performance.now() + Math.max(0, wait);
        setTimeout(() => send({ type: "ack" }), Math.max(0, wait));
      });
    }
  };
  socket.onclose = (event) => {
    $("state").textContent = "Disconnected from brickprop live" +
      (event.reason ? `: ${event.reason}` : "") + ". Restart it and reload this page.";
    $("play").disabled = true;
  };
}

$("play").onclick = () => send({ type: state === "playing" ? "pause" : "play" });
$("one-step").onclick = () => send({ type: "step" });
$("reset").onclick = () => send({ type: "reset" });
$("save").onclick = () => { $("save").disabled = true; send({ type: "save" }); };
$("speed").onchange = () => { send({ type: "speed", value: Number($("speed").value) });
  showConfig(confirmed); };
$("show-held-out").onchange = (e) => boundary.set({ heldOut: e.target.checked });
$("discretize").onchange = (e) => boundary.set({ discretize: e.target.checked });
$("open").onchange = async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  if (file.name.endsWith(".npz")) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    send({ type: "open", name: file.name, base64: btoa(text) });
  } else {
    send({ type: "open", name: file.name, text: await file.text() });
  }
  e.target.value = "";
};
connect();
