"""The step-through page's stylesheet and script, inlined into every page (no file, no network).

The script never lays anything out: the graph is Graphviz's SVG, drawn once. A step only
swaps the text of a node's ``data``/``grad`` field (``#n<i>-data``, ``#n<i>-grad``) between its
hidden and shown strings and toggles the highlight classes on the nodes (``#g-n<i>``) and edges
(``#e-n<i>-n<j>``, then ``-2``… for a second edge between them) the step reads; a jump replays
only the steps in between.
"""

from __future__ import annotations

__all__ = ["CSS", "SCRIPT"]

CSS = """
:root { --hot: #c2410c; --ink: #1f2937; --soft: #6b7280; --focus: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica,
  Arial, sans-serif; color: var(--ink); background: #fff; }
main { padding: 12px 16px; }
h1 { font-size: 18px; margin: 0 0 8px; }
h2 { font-size: 15px; margin: 0 0 6px; }
.mg-controls { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 8px; }
.mg-controls button { font: inherit; min-width: 44px; padding: 4px 10px; border: 1px solid #9ca3af;
  border-radius: 6px; background: #f9fafb; color: var(--ink); cursor: pointer; }
.mg-controls button:hover { background: #eef2ff; }
.mg-controls input[type=range] { flex: 1 1 200px; min-width: 160px; }
.mg-controls select { font: inherit; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
#mg-counter { font-variant-numeric: tabular-nums; min-width: 9em; }
.mg-help { color: var(--soft); font-size: 13px; margin: 0 0 8px; }
.mg-layout { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.mg-graph { flex: 3 1 560px; overflow: auto; max-height: 80vh; margin: 0;
  border: 1px solid #e5e7eb; border-radius: 6px; }
.mg-panel { flex: 1 1 340px; max-width: 560px; border: 1px solid #e5e7eb; border-radius: 6px;
  padding: 8px 12px; min-height: 8em; }
.mg-panel p { margin: 4px 0; overflow-wrap: anywhere; }
.mg-num { font-variant-numeric: tabular-nums; font-weight: 600; }
.mg-note { border-top: 1px dashed #d1d5db; margin-top: 8px; padding-top: 6px; }
.mg-note .mg-eq { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 14px; }
.mg-ok { color: #15803d; font-weight: 700; }
.mg-bad { color: #b91c1c; font-weight: 700; }
.mg-current > polygon, .mg-current > ellipse { stroke: var(--hot); stroke-width: 3px; }
.mg-current > polygon { fill: #fde68a; }
.mg-related > polygon, .mg-related > ellipse { stroke: var(--hot); stroke-width: 2px;
  stroke-dasharray: 5 3; }
.mg-edge > path { stroke: var(--hot); stroke-width: 2.5px; }
.mg-edge > polygon { stroke: var(--hot); fill: var(--hot); }
@media (prefers-reduced-motion: no-preference) {
  .mg-current > polygon { transition: fill 0.15s; }
}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("mg-data").textContent);
  var steps = data.steps, texts = data.texts, last = steps.length - 1;
  var byId = function (id) { return document.getElementById(id); };
  var slider = byId("mg-slider"), counter = byId("mg-counter"), play = byId("mg-play");
  var speed = byId("mg-speed"), panel = byId("mg-panel");
  var current = 0, timer = null;

  // step = [phase "s"|"f"|"b", node, related, heading, rows, notes]
  function field(i, which, shown) {
    var t = texts[i], el = byId("n" + i + "-" + which);
    if (!t || !el) return;
    var k = which === "data" ? 0 : 2;
    el.textContent = shown ? t[k] : t[k + 1];
  }
  function reveal(k, shown) {
    var s = steps[k];
    if (s[0] === "f") field(s[1], "data", shown);
    if (s[0] === "b") field(s[1], "grad", shown);
  }
  function cls(id, name, on) {
    var el = byId(id);
    if (el) el.classList.toggle(name, on);
  }
  function edges(tail, head, on) {
    var id = "e-n" + tail + "-n" + head;
    for (var k = 1, el; (el = byId(k > 1 ? id + "-" + k : id)); k++) el.classList.toggle("mg-edge", on);
  }
  function highlight(k, on) {
    var s = steps[k], n = s[1];
    if (n < 0) return;
    cls("g-n" + n, "mg-current", on);
    s[2].forEach(function (r) {
      cls("g-n" + r, "mg-related", on);
      if (s[0] === "f") edges(r, n, on); else edges(n, r, on);
    });
  }
  function paragraph(parts, className) {
    var p = document.createElement("p");
    if (className) p.className = className;
    parts.forEach(function (part) {
      if (typeof part === "string") { p.appendChild(document.createTextNode(part)); return; }
      var span = document.createElement("span");
      span.className = "mg-num";
      span.textContent = part[0];
      p.appendChild(span);
    });
    return p;
  }
  function note(n) {
    // n = [equation, hand, autograd, [[printed, ok], ...]]
    var div = document.createElement("div"), parts = ["hand " + n[1]];
    div.className = "mg-note";
    div.appendChild(paragraph([n[0]], "mg-eq"));
    if (n[2]) parts.push("   autograd " + n[2]);
    var p = paragraph(parts);
    n[3].forEach(function (printed) {
      p.appendChild(document.createTextNode("   document " + printed[0] + " "));
      var mark = document.createElement("span");
      mark.className = printed[1] ? "mg-ok" : "mg-bad";
      mark.textContent = printed[1] ? "\u2713" : "\u2717";
      mark.setAttribute("aria-label", printed[1] ? "matches" : "differs");
      p.appendChild(mark);
    });
    div.appendChild(p);
    return div;
  }
  function describe(k) {
    var s = steps[k], h = document.createElement("h2");
    h.textContent = s[3];
    panel.replaceChildren(h);
    s[4].forEach(function (row) { panel.appendChild(paragraph(row)); });
    s[5].forEach(function (n) { panel.appendChild(note(n)); });
  }
  function go(k) {
    k = Math.max(0, Math.min(last, k | 0));
    highlight(current, false);
    while (current < k) { current += 1; reveal(current, true); }
    while (current > k) { reveal(current, false); current -= 1; }
    highlight(current, true);
    describe(current);
    slider.value = String(current);
    var label = "Step " + current + " of " + last;
    counter.textContent = label;
    slider.setAttribute("aria-valuetext", label + ": " + steps[current][3]);
    try { history.replaceState(null, "", "#step=" + current); } catch (e) { /* sandboxed */ }
    var node = byId("g-n" + steps[current][1]);
    if (node && node.scrollIntoView) node.scrollIntoView({ block: "center", inline: "center" });
    if (current === last) stop();
  }
  function fromHash() {
    var m = /^#step=(\d+)$/.exec(location.hash);
    return m ? parseInt(m[1], 10) : null;
  }
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "\u25B6 Play";
    play.setAttribute("aria-pressed", "false");
  }
  function toggle() {
    if (timer !== null) { stop(); return; }
    if (current === last) go(0);
    timer = setInterval(function () { go(current + 1); }, Number(speed.value));
    play.textContent = "\u275A\u275A Pause";
    play.setAttribute("aria-pressed", "true");
  }
  byId("mg-first").addEventListener("click", function () { go(0); });
  byId("mg-prev").addEventListener("click", function () { go(current - 1); });
  byId("mg-next").addEventListener("click", function () { go(current + 1); });
  byId("mg-last").addEventListener("click", function () { go(last); });
  play.addEventListener("click", toggle);
  speed.addEventListener("change", function () { if (timer !== null) { stop(); toggle(); } });
  slider.addEventListener("input", function () { go(Number(slider.value)); });
  window.addEventListener("hashchange", function () {
    var k = fromHash();
    if (k !== null && k !== current) go(k);
  });
  document.addEventListener("keydown", function (e) {
    var tag = e.target && e.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || e.altKey || e.ctrlKey || e.metaKey) return;
    var moves = { ArrowRight: 1, ArrowLeft: -1 };
    if (e.key in moves) go(current + moves[e.key]);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(last);
    else if (e.key === " " && tag !== "BUTTON") toggle();
    else return;
    e.preventDefault();
  });
  var svg = document.querySelector(".mg-graph svg"), zoom = byId("mg-zoom");
  var natural = svg ? [svg.getAttribute("width"), svg.getAttribute("height")] : null;
  zoom.addEventListener("change", function () {
    if (!svg) return;
    var z = zoom.value;
    svg.style.width = z === "fit" ? "100%" : "calc(" + natural[0] + " * " + z + ")";
    svg.style.height = z === "fit" ? "auto" : "calc(" + natural[1] + " * " + z + ")";
  });
  slider.max = String(last);
  var start = fromHash();
  go(start === null ? 0 : start);
})();
"""
