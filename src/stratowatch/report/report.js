// stratowatch report: a small self-contained map (SVG), time slider, tooltips and plots.
// No network access: everything comes from the JSON embedded in the page.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("sw-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("map");
  var wrap = document.getElementById("map-wrap");
  var tip = document.getElementById("tip");
  var slider = document.getElementById("time");
  var timeLabel = document.getElementById("time-label");
  var RESERVED = { time: 1, times: 1, time_start: 1, time_end: 1, layer: 1, name: 1, style: 1 };

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(name, text, parent, cls) {
    var e = document.createElement(name);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }
  function parseT(s) { if (s === null || s === undefined) return null; var v = Date.parse(s); return isNaN(v) ? null : v / 1000; }
  function fmtT(t) {
    if (t === null || t === undefined || !isFinite(t)) return "";
    return new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ") + "Z";
  }
  function fmtV(v) {
    if (typeof v === "number") {
      if (!isFinite(v)) return "";
      if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential(2);
      return Number.isInteger(v) ? String(v) : String(+v.toPrecision(4));
    }
    return v === null || v === undefined ? "" : String(v);
  }

  // ---------------------------------------------------------------- data preparation
  var feats = (D.features || []).map(function (f, i) {
    var p = f.properties || {};
    var st = p.style || {};
    var g = f.geometry;
    var parts = [];
    if (g.type === "Point") parts = [[g.coordinates]];
    else if (g.type === "MultiPoint") parts = g.coordinates.map(function (c) { return [c]; });
    else if (g.type === "LineString") parts = [g.coordinates];
    else if (g.type === "MultiLineString") parts = g.coordinates;
    else if (g.type === "Polygon") parts = [g.coordinates];
    else if (g.type === "MultiPolygon") parts = g.coordinates;
    var kind = g.type.replace("Multi", "");
    var tips = [p.name || p.layer || "feature"];
    if (p.time) tips.push(fmtT(parseT(p.time)));
    if (p.time_start || p.time_end) tips.push(fmtT(parseT(p.time_start)) + " - " + fmtT(parseT(p.time_end)));
    for (var k in p) { if (!RESERVED[k] && (typeof p[k] !== "object" || p[k] === null)) tips.push(k + ": " + fmtV(p[k])); }
    return {
      i: i, kind: kind, parts: parts, layer: String(p.layer || "features"),
      group: String(p.group === undefined ? "" : p.group), name: p.name || "",
      t: parseT(p.time), ts: Array.isArray(p.times) ? p.times.map(parseT) : null,
      t0: parseT(p.time_start), t1: parseT(p.time_end), radius: p.radius_km,
      color: st.color || "#3366cc", width: st.width || 2, opacity: st.opacity === undefined ? 1 : st.opacity,
      dash: st.dash || null, tip: tips.join("\n"), highlight: p.recommended === true
    };
  });

  var allLon = [], allLat = [], allT = [], fitLon = [], fitLat = [];
  var fitSet = D.fit_layers && D.fit_layers.length ? D.fit_layers : null;
  feats.forEach(function (f) {
    var inFit = !fitSet || fitSet.indexOf(f.layer) >= 0;
    f.parts.forEach(function (part) {
      var pts = f.kind === "Polygon" ? part[0] : part;
      pts.forEach(function (c) {
        allLon.push(c[0]); allLat.push(c[1]);
        if (inFit) { fitLon.push(c[0]); fitLat.push(c[1]); }
      });
    });
    [f.t, f.t0, f.t1].forEach(function (t) { if (t !== null) allT.push(t); });
    if (f.ts) f.ts.forEach(function (t) { if (t !== null) allT.push(t); });
  });
  function median(a) { if (!a.length) return 0; var s = a.slice().sort(function (x, y) { return x - y; }); return s[Math.floor(s.length / 2)]; }
  var lon0 = median(allLon), lat0 = median(allLat);
  var kx = Math.max(Math.cos(lat0 * Math.PI / 180), 0.2);
  function nlon(lon) { return lon0 + ((((lon - lon0 + 180) % 360) + 360) % 360) - 180; }
  function X(lon) { return (nlon(lon) - lon0) * kx; }
  function Xraw(lon) { return (lon - lon0) * kx; }

  var tMin = allT.length ? Math.min.apply(null, allT) : 0;
  var tMax = allT.length ? Math.max.apply(null, allT) : 1;
  if (tMax <= tMin) tMax = tMin + 600;

  var state = { t: D.time_start !== null && D.time_start !== undefined ? D.time_start : tMin,
                cx: 0, cy: 0, s: 1, visible: {} };
  var layerList = [{ id: "borders", name: "Borders", visible: true }].concat(D.layers || []);
  layerList.forEach(function (l) { state.visible[l.id] = l.visible !== false; });
  var layerColor = {};
  feats.forEach(function (f) { if (!layerColor[f.layer]) layerColor[f.layer] = f.color; });
  layerColor.borders = "#9aa3ad";

  function size() { var r = svg.getBoundingClientRect(); return [Math.max(r.width, 100), Math.max(r.height, 100)]; }
  function fit() {
    var W = size()[0], H = size()[1];
    var useLon = fitLon.length ? fitLon : allLon, useLat = fitLon.length ? fitLat : allLat;
    var xs = useLon.map(X), ys = useLat.map(function (l) { return -l; });
    if (!xs.length) { xs = [-10, 10]; ys = [-10, 10]; }
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var dx = Math.max(x1 - x0, 1), dy = Math.max(y1 - y0, 1);
    state.cx = (x0 + x1) / 2; state.cy = (y0 + y1) / 2;
    state.s = Math.min(W / (dx * 1.12), H / (dy * 1.12));
  }
  function sx(x) { return size()[0] / 2 + (x - state.cx) * state.s; }
  function sy(y) { return size()[1] / 2 + (y - state.cy) * state.s; }
  function P(c) { return [sx(X(c[0])), sy(-c[1])]; }
  function pathOf(pts, close) {
    var d = "", prevLon = null;
    for (var j = 0; j < pts.length; j++) {
      var lon = pts[j][0];
      if (prevLon !== null) lon = prevLon + ((((lon - prevLon + 180) % 360) + 360) % 360) - 180;
      else lon = nlon(lon);
      prevLon = lon;
      d += (j ? "L" : "M") + sx(Xraw(lon)).toFixed(1) + "," + sy(-pts[j][1]).toFixed(1);
    }
    return d + (close ? "Z" : "");
  }

  // ---------------------------------------------------------------- time filtering
  function interp(f, t) {
    // vertices of a timed line up to t, plus the interpolated point at t
    var pts = f.parts[0], ts = f.ts, out = [];
    if (t < ts[0]) return out;
    for (var j = 0; j < pts.length; j++) {
      if (ts[j] <= t) { out.push(pts[j]); continue; }
      var a = ts[j - 1], b = ts[j], w = (t - a) / (b - a);
      var p0 = pts[j - 1], p1 = pts[j];
      var dl = ((((p1[0] - p0[0] + 180) % 360) + 360) % 360) - 180;
      out.push([p0[0] + w * dl, p0[1] + w * (p1[1] - p0[1])]);
      break;
    }
    return out;
  }
  function latestPolys(t) {
    // for timed polygons: per (layer, group) the latest time <= t
    var best = {};
    feats.forEach(function (f) {
      if (f.kind !== "Polygon" || f.t === null) return;
      var key = f.layer + "|" + f.group;
      if (f.t <= t && (best[key] === undefined || f.t > best[key])) best[key] = f.t;
    });
    return best;
  }
  function shown(f, t, best) {
    if (f.t0 !== null && t < f.t0) return false;
    if (f.t1 !== null && t > f.t1) return false;
    if (f.kind === "Polygon" && f.t !== null) return best[f.layer + "|" + f.group] === f.t;
    if (f.kind === "Point" && f.t !== null) return f.t <= t;
    if (f.kind === "LineString" && f.ts && f.ts.length === f.parts[0].length) return f.ts[0] <= t;
    return true;
  }

  // ---------------------------------------------------------------- drawing
  function addTip(node, text) { node.setAttribute("data-tip", text); }
  function graticule(g) {
    var W = size()[0], H = size()[1];
    var spanLat = H / state.s;
    var step = [1, 2, 5, 10, 20, 30].find(function (s) { return spanLat / s <= 8; }) || 30;
    var latTop = -(state.cy - H / 2 / state.s), latBot = -(state.cy + H / 2 / state.s);
    var lonL = lon0 + (state.cx - W / 2 / state.s) / kx, lonR = lon0 + (state.cx + W / 2 / state.s) / kx;
    for (var la = Math.ceil(latBot / step) * step; la <= latTop; la += step) {
      if (la < -90 || la > 90) continue;
      el("line", { x1: 0, x2: W, y1: sy(-la), y2: sy(-la), class: "grat" }, g);
      el("text", { x: 4, y: sy(-la) - 3, class: "grat-label" }, g).textContent = Math.abs(la) + (la >= 0 ? "\u00b0N" : "\u00b0S");
    }
    for (var lo = Math.ceil(lonL / step) * step; lo <= lonR; lo += step) {
      var x = sx(Xraw(lo));
      var lw = ((((lo + 180) % 360) + 360) % 360) - 180;
      el("line", { x1: x, x2: x, y1: 0, y2: H, class: "grat" }, g);
      el("text", { x: x + 3, y: H - 5, class: "grat-label" }, g).textContent = Math.abs(lw) + (lw >= 0 ? "\u00b0E" : "\u00b0W");
    }
  }
  function drawFeature(f, g, t) {
    var col = f.color, op = f.opacity;
    if (f.kind === "Point") {
      f.parts.forEach(function (part) {
        var c = part[0], p = P(c);
        if (f.radius) {
          var ry = f.radius / 111.195 * state.s;
          var rx = ry * kx / Math.max(Math.cos(c[1] * Math.PI / 180), 0.05);
          addTip(el("ellipse", { cx: p[0], cy: p[1], rx: rx, ry: ry, fill: col, "fill-opacity": 0.12,
            stroke: col, "stroke-opacity": 0.7, "stroke-width": 1, "stroke-dasharray": "4 3", class: "unc" }, g), f.tip);
        }
        if (f.highlight) {
          addTip(el("circle", { cx: p[0], cy: p[1], r: 11, fill: "none", stroke: "#17202a",
            "stroke-width": 2.5, class: "highlight" }, g), f.tip);
        }
        var recent = f.t !== null && t - f.t < 3 * 3600;
        addTip(el("circle", { cx: p[0], cy: p[1], r: recent ? 6 : 4.5, fill: col, "fill-opacity": op,
          stroke: "#fff", "stroke-width": 1.2, class: "pt" }, g), f.tip);
      });
    } else if (f.kind === "LineString") {
      if (f.ts && f.ts.length === f.parts[0].length) {
        var pts = interp(f, t);
        if (pts.length >= 2) {
          addTip(el("path", { d: pathOf(pts, false), fill: "none", stroke: col, "stroke-width": f.width,
            "stroke-opacity": op, "stroke-dasharray": f.dash, "stroke-linejoin": "round", class: "ln" }, g), f.tip);
        }
        if (pts.length) {
          var q = P(pts[pts.length - 1]);
          addTip(el("circle", { cx: q[0], cy: q[1], r: 5, fill: "#fff", stroke: col, "stroke-width": 2.5,
            class: "now" }, g), f.tip + "\nat " + fmtT(Math.min(t, f.ts[f.ts.length - 1])));
        }
      } else {
        f.parts.forEach(function (part) {
          addTip(el("path", { d: pathOf(part, false), fill: "none", stroke: col, "stroke-width": f.width,
            "stroke-opacity": op, "stroke-dasharray": f.dash, class: "ln" }, g), f.tip);
        });
      }
    } else if (f.kind === "Polygon") {
      f.parts.forEach(function (rings) {
        var d = rings.map(function (r) { return pathOf(r, true); }).join("");
        addTip(el("path", { d: d, fill: col, "fill-opacity": Math.min(op, 0.5), "fill-rule": "evenodd",
          stroke: col, "stroke-width": 1.2, "stroke-opacity": 0.9, class: "poly" }, g), f.tip);
      });
    }
  }
  var counts = {};
  function render() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var t = state.t, best = latestPolys(t);
    graticule(el("g", { id: "graticule" }, svg));
    counts = {};
    if (state.visible.borders) {
      var gb = el("g", { id: "layer-borders", "data-layer": "borders" }, svg);
      (D.borders || []).forEach(function (r) { el("path", { d: pathOf(r, true), class: "land" }, gb); });
      counts.borders = gb.childNodes.length;
    }
    (D.layers || []).forEach(function (l) {
      if (!state.visible[l.id]) return;
      var g = el("g", { id: "layer-" + l.id, "data-layer": l.id }, svg);
      feats.forEach(function (f) { if (f.layer === l.id && shown(f, t, best)) drawFeature(f, g, t); });
      counts[l.id] = g.childNodes.length;
    });
    timeLabel.textContent = fmtT(t);
    document.querySelectorAll(".plot-cursor").forEach(function (c) { placeCursor(c, t); });
  }
  var pending = false;
  function requestRender() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; render(); });
  }

  // ---------------------------------------------------------------- controls
  function buildLayers() {
    var box = document.getElementById("layers");
    layerList.forEach(function (l) {
      var lab = html("label", null, box);
      var cb = html("input", null, lab);
      cb.type = "checkbox"; cb.checked = state.visible[l.id]; cb.id = "toggle-" + l.id;
      cb.addEventListener("change", function () { state.visible[l.id] = cb.checked; render(); });
      var sw = html("span", null, lab, "sw"); sw.style.background = layerColor[l.id] || "#888";
      lab.appendChild(document.createTextNode(l.name));
    });
  }
  function setTime(t) { state.t = Math.min(Math.max(t, tMin), tMax); slider.value = String(state.t); render(); }
  slider.min = String(tMin); slider.max = String(tMax); slider.step = "60";
  slider.value = String(state.t);
  slider.addEventListener("input", function () { state.t = parseFloat(slider.value); requestRender(); });
  var timer = null;
  document.getElementById("play").addEventListener("click", function (ev) {
    if (timer) { clearInterval(timer); timer = null; ev.target.innerHTML = "&#9654;"; return; }
    ev.target.innerHTML = "&#10074;&#10074;";
    if (state.t >= tMax) state.t = tMin;
    timer = setInterval(function () {
      var t = state.t + (tMax - tMin) / 240;
      if (t >= tMax) { t = tMax; clearInterval(timer); timer = null; ev.target.innerHTML = "&#9654;"; }
      setTime(t);
    }, 60);
  });
  function zoomAt(f, px, py) {
    var W = size()[0], H = size()[1];
    var x = state.cx + (px - W / 2) / state.s, y = state.cy + (py - H / 2) / state.s;
    state.s *= f;
    state.cx = x - (px - W / 2) / state.s; state.cy = y - (py - H / 2) / state.s;
    requestRender();
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoomAt(1.5, size()[0] / 2, size()[1] / 2); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomAt(1 / 1.5, size()[0] / 2, size()[1] / 2); });
  document.getElementById("zoom-reset").addEventListener("click", function () { fit(); render(); });
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var r = svg.getBoundingClientRect();
    zoomAt(ev.deltaY < 0 ? 1.2 : 1 / 1.2, ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  var drag = null;
  svg.addEventListener("pointerdown", function (ev) { drag = [ev.clientX, ev.clientY]; svg.classList.add("dragging"); });
  window.addEventListener("pointerup", function () { drag = null; svg.classList.remove("dragging"); });
  window.addEventListener("pointermove", function (ev) {
    if (!drag) return;
    state.cx -= (ev.clientX - drag[0]) / state.s; state.cy -= (ev.clientY - drag[1]) / state.s;
    drag = [ev.clientX, ev.clientY];
    requestRender();
  });
  function showTip(ev) {
    var target = ev.target.closest ? ev.target.closest("[data-tip]") : null;
    if (!target) { tip.hidden = true; return; }
    var r = wrap.getBoundingClientRect();
    tip.textContent = target.getAttribute("data-tip");
    tip.hidden = false;
    var x = ev.clientX - r.left + 14, y = ev.clientY - r.top + 14;
    if (x > r.width - 250) x -= 270;
    tip.style.left = x + "px"; tip.style.top = y + "px";
  }
  wrap.addEventListener("mousemove", showTip);
  wrap.addEventListener("mouseleave", function () { tip.hidden = true; });
  window.addEventListener("resize", requestRender);

  // ---------------------------------------------------------------- headline, legend, plots, tables
  (function () {
    var box = document.getElementById("headline");
    (D.headline || []).forEach(function (h) { var d = html("div", null, box); html("b", h[0], d); d.appendChild(document.createTextNode(h[1])); });
    var lg = document.getElementById("legend");
    if (D.legend && D.legend.length) {
      D.legend.forEach(function (e) { var row = html("div", null, lg); var sw = html("span", null, row); sw.style.background = e[0]; row.appendChild(document.createTextNode(e[1])); });
    } else { lg.hidden = true; }
  })();

  var plotScales = {};
  function placeCursor(c, t) {
    var sc = plotScales[c.getAttribute("data-plot")];
    if (!sc) return;
    if (t < sc.x0 || t > sc.x1) { c.setAttribute("visibility", "hidden"); return; }
    var x = sc.fx(t);
    c.setAttribute("visibility", "visible"); c.setAttribute("x1", x); c.setAttribute("x2", x);
  }
  function buildPlot(p, box) {
    var div = html("div", null, box, "plot");
    div.id = "plot-" + p.id;
    html("h2", p.title, div);
    var W = 600, H = 240, L = 58, R = 14, T = 10, B = 34;
    var s = el("svg", { viewBox: "0 0 " + W + " " + H, preserveAspectRatio: "xMidYMid meet" }, div);
    var xs = [], ys = [];
    function yv(v) { return p.log_y ? (v > 0 ? Math.log10(v) : null) : v; }
    p.series.forEach(function (se) {
      se.x.forEach(function (x, j) { var y = yv(se.y[j]); if (x !== null && y !== null && isFinite(y)) { xs.push(x); ys.push(y); } });
    });
    p.hlines.forEach(function (h) { var y = yv(h[0]); if (y !== null) ys.push(y); });
    if (!xs.length) { html("p", "no data", div, "note"); return; }
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    if (x1 <= x0) x1 = x0 + 3600;
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (p.log_y) { y0 = Math.floor(y0); y1 = Math.ceil(y1); }
    if (y1 <= y0) { y1 = y0 + 1; }
    if (!p.log_y) { var pad = 0.06 * (y1 - y0); y0 = y0 >= 0 && y0 - pad < 0 ? 0 : y0 - pad; y1 += pad; }
    function fx(x) { return L + (x - x0) / (x1 - x0) * (W - L - R); }
    function fy(y) { return H - B - (y - y0) / (y1 - y0) * (H - T - B); }
    plotScales[p.id] = { x0: x0, x1: x1, fx: fx };
    el("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }, s);
    el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }, s);
    var ticks = [];
    if (p.log_y) {
      var stepL = Math.max(1, Math.ceil((y1 - y0) / 8));
      for (var e = y0; e <= y1 + 1e-9; e += stepL) ticks.push(e);
    } else {
      var raw = (y1 - y0) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw)));
      var stepY = [1, 2, 5, 10].map(function (m) { return m * mag; }).find(function (v) { return v >= raw; });
      for (var yt = Math.ceil(y0 / stepY) * stepY; yt <= y1 + 1e-9 * stepY; yt += stepY) ticks.push(yt);
    }
    ticks.forEach(function (yy) {
      el("line", { x1: L - 4, x2: L, y1: fy(yy), y2: fy(yy), class: "axis" }, s);
      el("text", { x: L - 6, y: fy(yy) + 4, "text-anchor": "end", class: "axis-label" }, s).textContent =
        p.log_y ? "1e" + Math.round(yy) : fmtV(+yy.toPrecision(6));
    });
    for (var m = 0; m <= 4; m++) {
      var xx = x0 + (x1 - x0) * m / 4;
      el("line", { x1: fx(xx), x2: fx(xx), y1: H - B, y2: H - B + 4, class: "axis" }, s);
      el("text", { x: fx(xx), y: H - B + 16, "text-anchor": "middle", class: "axis-label" }, s).textContent = fmtT(xx).slice(5, 13) + "Z";
    }
    el("text", { x: 12, y: (H - B) / 2, transform: "rotate(-90 12 " + (H - B) / 2 + ")", "text-anchor": "middle", class: "axis-label" }, s).textContent = p.y_label;
    p.hlines.forEach(function (h) {
      var y = yv(h[0]); if (y === null) return;
      el("line", { x1: L, x2: W - R, y1: fy(y), y2: fy(y), stroke: "#c0392b", "stroke-dasharray": "5 4", "stroke-width": 1.2 }, s);
      el("text", { x: W - R - 4, y: fy(y) - 4, "text-anchor": "end", class: "axis-label" }, s).textContent = h[1];
    });
    p.series.forEach(function (se) {
      var pts = [];
      se.x.forEach(function (x, j) { var y = yv(se.y[j]); if (x !== null && y !== null && isFinite(y)) pts.push([fx(x), fy(y), j]); });
      if (se.mode.indexOf("line") >= 0 && pts.length > 1) {
        el("path", { d: pts.map(function (q, j) { return (j ? "L" : "M") + q[0].toFixed(1) + "," + q[1].toFixed(1); }).join(""),
          fill: "none", stroke: se.color, "stroke-width": 1.5, "stroke-opacity": 0.8 }, s);
      }
      if (se.mode.indexOf("points") >= 0) {
        pts.forEach(function (q) {
          var c = el("circle", { cx: q[0], cy: q[1], r: 3.2, fill: se.colors ? se.colors[q[2]] : se.color, class: "plot-pt" }, s);
          var tt = se.name + "\n" + fmtT(se.x[q[2]]) + "\n" + fmtV(se.y[q[2]]);
          if (se.tips) tt = se.tips[q[2]];
          c.appendChild(el("title", {})).textContent = tt;
        });
      }
    });
    el("line", { x1: L, x2: L, y1: T, y2: H - B, stroke: "#1d2430", "stroke-width": 1, "stroke-dasharray": "2 2", class: "plot-cursor", "data-plot": p.id }, s);
    if (p.note) html("p", p.note, div, "note");
  }
  (D.plots || []).forEach(function (p) { buildPlot(p, document.getElementById("plots")); });
  (D.tables || []).forEach(function (tb) {
    var box = document.getElementById("tables");
    html("h2", tb.title, box);
    var table = html("table", null, box);
    var tr = html("tr", null, html("thead", null, table));
    tb.columns.forEach(function (c) { html("th", c, tr); });
    var body = html("tbody", null, table);
    tb.rows.forEach(function (r) {
      var row = html("tr", null, body);
      r.forEach(function (v) { html("td", fmtV(v), row, typeof v === "number" ? "num" : ""); });
    });
    if (tb.note) html("p", tb.note, box, "note");
  });
  (D.notes || []).forEach(function (n) { html("p", n, document.getElementById("notes")); });

  buildLayers();
  fit();
  render();
  window.stratowatchReport = {
    state: state, render: render, setTime: setTime, fit: fit, tMin: tMin, tMax: tMax,
    counts: function () { return Object.assign({}, counts); }
  };
})();
