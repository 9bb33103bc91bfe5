// Runs first in the playground's frame, before the live page's own live.js: the page's
// WebSocket becomes a relay to the widget that holds the frame (postMessage up to the
// notebook, which sends it to the kernel over the widget's comm; the kernel's answers
// come back down the same way). The page itself is unchanged; its address is
// about:srcdoc, so it cannot keep its config in the URL: history.replaceState is off.
(() => {
  const sockets = [];
  class RelaySocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSED = 3;
    constructor() {
      this.readyState = RelaySocket.CONNECTING;
      sockets.push(this);
      setTimeout(() => {
        this.readyState = RelaySocket.OPEN;
        if (this.onopen) this.onopen({});
      });
    }
    send(text) { parent.postMessage({ bp: "send", text }, "*"); }
    close() { this.readyState = RelaySocket.CLOSED; }
  }
  window.WebSocket = RelaySocket;
  window.addEventListener("message", (event) => {
    const d = event.data;
    if (event.source !== parent || !d || typeof d !== "object") return;
    for (const s of sockets) {
      if (d.bp === "receive" && s.readyState === RelaySocket.OPEN && s.onmessage) {
        s.onmessage({ data: d.text });
      } else if (d.bp === "close" && s.readyState !== RelaySocket.CLOSED) {
        s.readyState = RelaySocket.CLOSED;
        if (s.onclose) s.onclose({ reason: d.reason || "" });
      }
    }
  });
  history.replaceState = () => {};
  // the frame grows with the page (the widget sets its height), so it never scrolls
  const height = () => parent.postMessage({ bp: "height", height: document.body.scrollHeight },
    "*");
  document.addEventListener("DOMContentLoaded",
    () => new ResizeObserver(height).observe(document.body));
})();
