// brickprop run report: the step slider drives the frame and the network drawing.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var n = data.frames.length;
  var slider = document.getElementById("step");
  var info = document.getElementById("step-info");
  var img = document.getElementById("frame");
  var play = document.getElementById("play");
  var note = document.getElementById("net-note");
  var links = Array.prototype.slice.call(document.querySelectorAll("#net line.link"));
  var timer = null;

  function fmt(v) { return v === null ? "not finite" : Number(v.toPrecision(4)).toString(); }
  function mode() { return document.querySelector("input[name=net-mode]:checked").value; }

  function draw(k) {
    var grads = mode() === "grads";
    var values = grads ? data.grads[k] : data.weights[k];
    var what = grads ? "gradient" : "weight";
    if (!values) {
      links.forEach(function (l) { l.setAttribute("visibility", "hidden"); });
      note.textContent = "No gradient at step " + data.frames[k].step + ": this last " +
        "snapshot holds the weights the model kept, and no update was computed from them.";
      return;
    }
    var max = 0, bad = 0;
    values.forEach(function (v) { if (v === null) { bad++; } else { max = Math.max(max, Math.abs(v)); } });
    links.forEach(function (l, i) {
      var v = values[i];
      l.setAttribute("visibility", "visible");
      if (v === null) {
        l.setAttribute("stroke", "#999"); l.setAttribute("stroke-width", "1");
        l.setAttribute("stroke-dasharray", "1 3");
        return;
      }
      l.setAttribute("stroke", v >= 0 ? "var(--pos)" : "var(--neg)");
      l.setAttribute("stroke-width", (0.6 + 7 * Math.abs(v) / (max || 1)).toFixed(2));
      l.setAttribute("stroke-dasharray", v < 0 ? "6 3" : "none");
    });
    note.textContent = "Each link's " + what + " at step " + data.frames[k].step +
      "; the thickest link is |" + what + "| = " + fmt(max) + "." +
      (bad ? " " + bad + " links are not finite (dotted grey)." : "");
  }

  function show(k) {
    var f = data.frames[k];
    var text = "Frame " + (k + 1) + " of " + n + ": step " + f.step + ", loss " + fmt(f.loss) +
      ", " + data.metric + " " + fmt(f.metric);
    if (data.diverged_frame !== null && k >= data.diverged_frame) { text += " (diverged)"; }
    info.textContent = text;
    slider.setAttribute("aria-valuetext", text);
    if (img && data.images.length) {
      img.src = data.images[k];
      img.alt = "Accuracy, decision boundary and loss at " + text.toLowerCase();
    }
    document.body.classList.toggle("past-divergence",
      data.diverged_frame !== null && k >= data.diverged_frame);
    draw(k);
  }

  function stop() {
    clearInterval(timer); timer = null;
    play.textContent = "Play"; play.setAttribute("aria-pressed", "false");
  }

  play.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    if (+slider.value >= n - 1) { slider.value = 0; }
    play.textContent = "Pause"; play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      var k = +slider.value + 1;
      if (k >= n) { stop(); return; }
      slider.value = k; show(k);
    }, 150);
  });
  slider.addEventListener("input", function () { show(+slider.value); });
  Array.prototype.forEach.call(document.querySelectorAll("input[name=net-mode]"), function (r) {
    r.addEventListener("change", function () { draw(+slider.value); });
  });
  var jump = document.getElementById("goto-divergence");
  if (jump) {
    jump.addEventListener("click", function () {
      stop(); slider.value = data.diverged_frame; show(data.diverged_frame); slider.focus();
    });
  }
  show(+slider.value);
})();
