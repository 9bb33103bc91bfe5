// brickprop comparison: sort the table by a column (buttons in the header, keyboard-operable).
(function () {
  "use strict";
  var table = document.getElementById("comparison");
  var body = table.tBodies[0];
  function key(cell, numeric) {
    var t = cell.getAttribute("data-value");
    if (!numeric) { return t.toLowerCase(); }
    var v = parseFloat(t);
    return isNaN(v) ? null : v;
  }
  Array.prototype.forEach.call(table.querySelectorAll("th button.sort"), function (b, col) {
    b.addEventListener("click", function () {
      var th = b.parentNode, numeric = th.hasAttribute("data-numeric");
      var up = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.querySelectorAll("th"), function (h) {
        h.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (r, s) {
        var a = key(r.cells[col], numeric), c = key(s.cells[col], numeric);
        if (a === c) { return 0; }
        if (a === null) { return 1; }   // blanks and "never" last, either way
        if (c === null) { return -1; }
        return (a < c ? -1 : 1) * (up ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
      document.getElementById("sort-status").textContent =
        "Sorted by " + b.textContent + (up ? ", ascending" : ", descending");
    });
  });
})();
