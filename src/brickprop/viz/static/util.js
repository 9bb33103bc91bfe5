// brickprop drawing modules: what network.js, boundary.js and curves.js share.
// Decoding of the frame format (see brickprop/viz/frames.py), number formatting and
// the colour maps: class 0 / negative / low is blue, class 1 / positive / high is red.

/** Bytes of base64 text as a Uint8Array. */
export function bytes(b64) {
  const text = atob(b64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Base64 text of little-endian float32 values as a Float32Array. */
export function float32s(b64) {
  const b = bytes(b64);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** A number in at most 4 significant digits; null and non-finite values say so. */
export function fmt(v, digits = 4) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "not finite";
  return Number(v.toPrecision(digits)).toString();
}

function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

function hex(h) {
  return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
}

export const CLASS = ["#2166ac", "#b2182b", "#1b9e77", "#7570b3", "#e6ab02", "#66a61e",
  "#e7298a", "#a6761d"]; // points; the first two are brickprop.plots' CLASS_COLORS
const LOW = hex("#5e97c9"), MID = hex("#f7f7f7"), HIGH = hex("#e0786f");

/** 256 RGB triples from blue (0) through near-white (127.5) to red (255). */
export const DIVERGING = Array.from({ length: 256 }, (_, u) =>
  u < 128 ? mix(LOW, MID, u / 127.5) : mix(MID, HIGH, (u - 127.5) / 127.5));

/** The light shade of class k at confidence t in [0, 1] (white at 0). */
export function classShade(k, t) {
  return mix(MID, mix(hex(CLASS[k % CLASS.length]), [255, 255, 255], 0.45), t);
}

/**
 * Paint a (rows x cols) picture of 0..255 values into `ctx` at (x, y, w, h),
 * through `colour(u) -> [r, g, b]`; cells are smoothed when `smooth`.
 */
export function paint(ctx, values, cols, rows, colour, x, y, w, h, smooth = true) {
  const img = new ImageData(cols, rows);
  for (let i = 0; i < cols * rows; i++) {
    const c = colour(values[i], i);
    img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2];
    img.data[4 * i + 3] = 255;
  }
  const tile = new OffscreenCanvas(cols, rows);
  tile.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = smooth;
  ctx.drawImage(tile, x, y, w, h);
}

/** A canvas sized for the screen's pixel ratio; returns its 2-D context scaled to CSS px. */
export function sharp(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = width + "px";
  canvas.style.height = height + "px";
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}
