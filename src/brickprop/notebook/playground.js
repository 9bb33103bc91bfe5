// brickprop's playground: the live page (brickprop/live/static, unchanged, its modules
// inlined by Python) in a frame of the output cell. The frame keeps the page's ids and
// styles apart from the notebook's and from another playground's; its socket is a relay
// (relay.js): {"text"} custom messages of the widget carry the live page's protocol
// to the kernel and back, so no server port is needed.
function render({ model, el }) {
  const frame = document.createElement("iframe");
  frame.className = "bp-playground";
  frame.title = "brickprop live";
  frame.style.cssText = "width: 100%; min-width: 640px; height: 900px; border: 0;";
  frame.srcdoc = model.get("page");
  el.appendChild(frame);

  function fromFrame(event) {
    const d = event.data;
    if (event.source !== frame.contentWindow || !d || typeof d !== "object") return;
    if (d.bp === "send" && typeof d.text === "string") model.send({ text: d.text });
    else if (d.bp === "height" && d.height > 0) frame.style.height = `${Math.ceil(d.height)}px`;
  }
  function fromKernel(msg) {
    if (!msg || typeof msg !== "object" || !frame.contentWindow) return;
    if (typeof msg.text === "string") frame.contentWindow.postMessage({ bp: "receive", text: msg.text }, "*");
    else if (typeof msg.closed === "string") frame.contentWindow.postMessage({ bp: "close", reason: msg.closed }, "*");
  }
  window.addEventListener("message", fromFrame);
  model.on("msg:custom", fromKernel);
  return () => {  // the view goes (its output cleared, its cell run again): stop training
    model.send({ text: JSON.stringify({ type: "pause" }) });
    window.removeEventListener("message", fromFrame);
    model.off("msg:custom", fromKernel);
  };
}

export default { render };
