// stratowatch map front end: one code for the self-contained report and the service's live map.
//
// Leaflet (vendor/leaflet.js) draws an offline Natural Earth 1:50m basemap (land, lakes, country
// and state borders, names by zoom level), the data layers of a GeoJSON FeatureCollection
// (stratowatch.io.export conventions: properties.layer, name, time, times, time_start/time_end,
// style), a member-density heat map (vendor/leaflet-heat.js) and a time slider; SVG plots and
// tables come with the page data. No network access: everything is passed in.
//
//   var app = stratowatch.createApp(document.body, {basemap: BASEMAP});
//   app.setData(DATA);          // report: the JSON embedded in the page
//   app.update(featureCollection)  // live: replace the layers present in an update
(function () {
  "use strict";
  var L = window.L;
  // the heat layer reads its canvas back on every redraw: say so when the context is made
  // (Chromium warns otherwise)
  if (L.HeatLayer) {
    var initCanvas = L.HeatLayer.prototype._initCanvas;
    L.HeatLayer.prototype._initCanvas = function () {
      var create = L.DomUtil.create;
      L.DomUtil.create = function (tag, cls, parent) {
        var el = create(tag, cls, parent);
        if (tag === "canvas") el.getContext("2d", { willReadFrequently: true });
        return el;
      };
      try { initCanvas.call(this); } finally { L.DomUtil.create = create; }
    };
  }

  // ---------------------------------------------------------------- words and units
  var LABELS = {
    radius_km: ["uncertainty radius", "km"], time_sigma_h: ["time uncertainty", "h", "±"],
    kind: ["kind"], description: ["what"], source: ["source"], category: ["category"],
    p_overflight: ["probability of overflight", "%"], closest_km: ["closest approach", "km"],
    median_closest_km: ["median closest approach", "km"], p_same: ["probability: same object", "%"],
    p_new: ["probability: a new object", "%"], float_alt_m: ["float altitude", "alt"],
    ec: ["expected casualties (Ec)", "ec"], p_land: ["probability that debris lands on land", "%"],
    territory: ["territory"], coast_km: ["distance to the coast", "km"],
    recommended: ["recommended window", "bool"], lead_h: ["lead time", "h", "+"],
    coverage: ["members inside", "%"], level: null, group: null, percent: null,
    semi_major_km: ["half-length", "km"], semi_minor_km: ["half-width", "km"],
    orientation_deg: ["axis bearing", "°"], r50_km: ["50 % of members within", "km"],
    r90_km: ["90 % of members within", "km"], landed: ["landed", "bool"],
    probability: ["probability", "%"], cumulative: ["cumulative probability", "%"],
    area_km2: ["area", "km²"], members_inside: ["members inside", "%"], members: ["members"],
    alt_m: ["altitude", "alt"], fragments_on_land: ["fragments on land"],
    expected_casualties: ["expected casualties (Ec)", "ec"], collapsed: null,
    time_std_h: ["time spread", "h", "±"], dwell_mean_min: ["mean time overhead", "min"],
    place: ["where"]
  };
  function fmtNum(v, digits) {
    if (!isFinite(v)) return "";
    if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e7)) return v.toExponential(2);
    return Number.isInteger(v) ? v.toLocaleString("en-US") : (+v.toPrecision(digits || 4)).toLocaleString("en-US");
  }
  function fmtT(t) {
    if (t === null || t === undefined || !isFinite(t)) return "";
    return new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }
  function parseT(s) {
    if (s === null || s === undefined) return null;
    if (typeof s === "number") return s;
    var v = Date.parse(s); return isNaN(v) ? null : v / 1000;
  }
  function humanKey(k) {
    var unit = "";
    var m = /_(km|m|h|s|min|deg|ms)$/.exec(k);
    if (m) { unit = m[1]; k = k.slice(0, -m[0].length); }
    k = k.replace(/^p_/, "probability of ").replace(/_/g, " ");
    return [k, unit];
  }
  function valueText(key, v) {
    var spec = LABELS[key];
    if (spec === null) return null;
    if (!spec) spec = humanKey(key);
    var label = spec[0], unit = spec[1] || "", sign = spec[2] || "";
    var text;
    if (typeof v === "boolean") text = v ? "yes" : "no";
    else if (typeof v !== "number") text = String(v);
    else if (unit === "%") text = fmtNum(100 * v, 3) + " %";
    else if (unit === "alt") text = fmtNum(v / 1000, 3) + " km (" + Math.round(v / 0.3048).toLocaleString("en-US") + " ft)";
    else if (unit === "ec") text = v === 0 ? "0" : v.toExponential(1);
    else if (unit === "bool") text = v ? "yes" : "no";
    else text = sign + fmtNum(v) + (unit ? " " + unit : "");
    return [label, text];
  }
  var RESERVED = { time: 1, times: 1, time_start: 1, time_end: 1, layer: 1, name: 1, style: 1 };
  function describe(p) {
    var lines = [];
    if (p.time) lines.push(["time", fmtT(parseT(p.time))]);
    if (p.time_start || p.time_end) {
      lines.push(["shown", (p.time_start ? "from " + fmtT(parseT(p.time_start)) : "") +
        (p.time_end ? " until " + fmtT(parseT(p.time_end)) : "")]);
    }
    Object.keys(p).forEach(function (k) {
      var v = p[k];
      if (RESERVED[k] || v === null || v === undefined || typeof v === "object") return;
      var r = valueText(k, v);
      if (r) lines.push(r);
    });
    return lines;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function tipHtml(title, lines) {
    return "<b>" + esc(title) + "</b>" + lines.map(function (l) {
      return "<br><span class='k'>" + esc(l[0]) + ":</span> " + esc(l[1]);
    }).join("");
  }

  // ---------------------------------------------------------------- geometry helpers
  function wrapNear(lon, lon0) { return lon0 + ((((lon - lon0 + 180) % 360) + 360) % 360) - 180; }
  function continuous(coords, lon0) {
    // [[lon, lat...]...] -> [[lat, lng]...] continuous along the line, started near lon0
    var out = [], prev = null;
    for (var i = 0; i < coords.length; i++) {
      var lon = prev === null ? wrapNear(coords[i][0], lon0) : wrapNear(coords[i][0], prev);
      out.push([coords[i][1], lon]); prev = lon;
    }
    return out;
  }
  function decode(enc, scale, dlon) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < enc.length; i += 2) {
      x += enc[i]; y += enc[i + 1];
      out.push([y / scale, x / scale + dlon]);
    }
    return out;
  }
  function circularMedianLon(lons) {
    if (!lons.length) return 0;
    var sx = 0, sy = 0;
    lons.forEach(function (l) { sx += Math.cos(l * Math.PI / 180); sy += Math.sin(l * Math.PI / 180); });
    return Math.atan2(sy, sx) * 180 / Math.PI;
  }

  // ---------------------------------------------------------------- the basemap
  var BASE = { sea: "#cfe0ee", land: "#f4f1e8", coast: "#7f93a6", border: "#8a7f8e", state: "#b9aebf", lake: "#cfe0ee" };
  function Basemap(map, data, renderer) {
    this.map = map; this.data = data; this.renderer = renderer;
    this.layers = { land: L.layerGroup(), borders: L.layerGroup(), labels: L.layerGroup(), dataLabels: L.layerGroup() };
    this.labelsOn = true;
    var s = data.scale;
    var self = this;
    [-360, 0, 360].forEach(function (dlon) {
      var land = data.land.map(function (poly) { return poly.map(function (r) { return decode(r, s, dlon); }); });
      var lakes = data.lakes.map(function (poly) { return poly.map(function (r) { return decode(r, s, dlon); }); });
      L.polygon(land, { renderer: renderer, interactive: false, color: BASE.coast, weight: 0.8,
        fillColor: BASE.land, fillOpacity: 1, smoothFactor: 0.5 }).addTo(self.layers.land);
      L.polygon(lakes, { renderer: renderer, interactive: false, color: BASE.coast, weight: 0.5,
        fillColor: BASE.lake, fillOpacity: 1, smoothFactor: 0.5 }).addTo(self.layers.land);
      L.polyline(data.states.map(function (l) { return decode(l, s, dlon); }), { renderer: renderer,
        interactive: false, color: BASE.state, weight: 0.8, dashArray: "3 3", smoothFactor: 0.5,
        className: "sw-states" }).addTo(self.layers.borders);
      L.polyline(data.borders.map(function (l) { return decode(l, s, dlon); }), { renderer: renderer,
        interactive: false, color: BASE.border, weight: 1.3, smoothFactor: 0.5 }).addTo(self.layers.borders);
    });
    this.labels = [];
    (data.countries || []).forEach(function (c) { self.labels.push({ kind: "country", name: c[0], lon: c[1] / s, lat: c[2] / s, z: c[3] - 1.0, rank: 0 }); });
    (data.regions || []).forEach(function (c) { self.labels.push({ kind: "region", name: c[0], lon: c[1] / s, lat: c[2] / s, z: c[3] - 0.5, rank: 1 }); });
    (data.places || []).forEach(function (c) { self.labels.push({ kind: "place", name: c[0], lon: c[1] / s, lat: c[2] / s, z: c[3] - 1.0, rank: 2, pop: c[4], capital: c[5] }); });
    this.labels.sort(function (a, b) { return a.z - b.z || a.rank - b.rank || (b.pop || 0) - (a.pop || 0); });
    this.priority = [];
    map.on("moveend", function () { self.drawLabels(self.priority); });
  }
  Basemap.prototype.drawLabels = function (priority) {
    // names placed without overlap: first the data's own (site names), then countries,
    // states and places by the zoom level Natural Earth gives them
    var map = this.map, group = this.layers.labels, dataGroup = this.layers.dataLabels;
    group.clearLayers();
    dataGroup.clearLayers();
    var z = map.getZoom(), b = map.getBounds(), size = map.getSize();
    var taken = [];
    var shown = 0;
    var all = (priority || []).concat(this.labelsOn ? this.labels : []);
    for (var i = 0; i < all.length && shown < 180; i++) {
      var l = all[i];
      if (l.z > z) break;
      var lon = wrapNear(l.lon, b.getCenter().lng);
      if (!b.contains([l.lat, lon])) continue;
      var pt = map.latLngToContainerPoint([l.lat, lon]);
      var site = l.kind === "site";
      var w = l.name.length * (l.kind === "country" ? 7.5 : site ? 6.6 : 6.2) + 10, h = l.kind === "country" ? 16 : 14;
      var box = l.kind === "place" ? [pt.x - 3, pt.y - h / 2, pt.x + w, pt.y + h / 2]
        : site ? [pt.x + 7, pt.y - h / 2, pt.x + 7 + w, pt.y + h / 2]
        : [pt.x - w / 2, pt.y - h / 2, pt.x + w / 2, pt.y + h / 2];
      if (box[0] < 0 || box[2] > size.x || box[1] < 0 || box[3] > size.y) continue;
      var clash = taken.some(function (t) { return !(box[2] < t[0] || box[0] > t[2] || box[3] < t[1] || box[1] > t[3]); });
      if (clash) continue;
      taken.push(box); shown++;
      var html = l.kind === "place" ? "<i></i>" + esc(l.name) : esc(l.kind === "country" ? l.name.toUpperCase() : l.name);
      L.marker([l.lat, lon], { interactive: false, keyboard: false, pane: site ? "sw-labels" : "markerPane", icon: L.divIcon({
        className: "sw-label sw-" + l.kind + (l.capital ? " sw-capital" : ""), html: html,
        iconSize: null, iconAnchor: l.kind === "place" ? [3, 7] : site ? [-8, 7] : [w / 2, h / 2] }) }).addTo(site ? dataGroup : group);
    }
  };

  // ---------------------------------------------------------------- feature layers
  function prepare(f, i, lon0) {
    var p = f.properties || {}, g = f.geometry, st = p.style || {};
    var parts = [];
    if (g.type === "Point") parts = [[g.coordinates]];
    else if (g.type === "MultiPoint") parts = g.coordinates.map(function (c) { return [c]; });
    else if (g.type === "LineString") parts = [g.coordinates];
    else if (g.type === "MultiLineString") parts = g.coordinates;
    else if (g.type === "Polygon") parts = [g.coordinates];
    else if (g.type === "MultiPolygon") parts = g.coordinates;
    return {
      i: i, props: p, kind: g.type.replace("Multi", ""), parts: parts,
      layer: String(p.layer || "features"), group: String(p.group === undefined ? "" : p.group),
      name: p.name || p.layer || "feature", t: parseT(p.time),
      ts: Array.isArray(p.times) ? p.times.map(parseT) : null,
      t0: parseT(p.time_start), t1: parseT(p.time_end),
      color: st.color || "#3366cc", width: st.width || 2,
      opacity: st.opacity === undefined ? 1 : st.opacity, dash: st.dash || null,
      radius: st.radius || null,
      lon0: lon0
    };
  }

  function App(root, opts) {
    this.root = root; this.opts = opts || {};
    this.el = {
      map: root.querySelector("#map"), layers: root.querySelector("#layers"),
      slider: root.querySelector("#time"), label: root.querySelector("#time-label"),
      play: root.querySelector("#play"), plots: root.querySelector("#plots"),
      tables: root.querySelector("#tables"), notes: root.querySelector("#notes"),
      headline: root.querySelector("#headline"), legend: null
    };
    this.renderer = L.canvas({ padding: 0.5 });
    this.map = L.map(this.el.map, { renderer: this.renderer, worldCopyJump: false, zoomSnap: 0.25,
      zoomDelta: 0.5, minZoom: 1, maxZoom: 11, attributionControl: true, preferCanvas: true });
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution("Map data: Natural Earth (public domain) · Leaflet");
    L.control.scale({ imperial: true, metric: true, maxWidth: 140 }).addTo(this.map);
    this.base = new Basemap(this.map, this.opts.basemap, this.renderer);
    this.base.layers.land.addTo(this.map);
    this.base.layers.borders.addTo(this.map);
    this.base.layers.labels.addTo(this.map);
    this.pane = this.map.createPane("sw-data");
    this.pane.style.zIndex = 450;
    this.map.createPane("sw-labels").style.zIndex = 640;
    this.base.layers.dataLabels.addTo(this.map);
    this.siteLabels = [];
    this.groups = {}; this.feats = []; this.visible = {}; this.counts = {};
    this.t = 0; this.tMin = 0; this.tMax = 1; this.heat = null;
    var self = this;
    this.map.on("zoomend", function () { self.render(); });
  }

  App.prototype.setData = function (D) {
    this.D = D;
    var self = this;
    var lons = [];
    (D.features || []).forEach(function (f) {
      var c = f.geometry.coordinates;
      while (Array.isArray(c[0])) c = c[0];
      lons.push(c[0]);
    });
    this.lon0 = D.center_lon !== undefined && D.center_lon !== null ? D.center_lon : circularMedianLon(lons);
    this.feats = (D.features || []).map(function (f, i) { return prepare(f, i, self.lon0); });
    this.layerList = (D.layers || []).slice();
    var known = {};
    this.layerList.forEach(function (l) { known[l.id] = 1; });
    this.feats.forEach(function (f) { if (!known[f.layer]) { known[f.layer] = 1; self.layerList.push({ id: f.layer, name: f.layer, visible: true }); } });
    this.layerList.forEach(function (l) { self.visible[l.id] = l.visible !== false; });
    if (D.density) this.visible.density = D.density.visible !== false;
    this.visible.basemap_borders = true; this.visible.basemap_labels = true;
    this.buildTime();
    this.buildLayers();
    this.buildHeadline();
    this.buildPlots();
    this.buildTables();
    this.fit();
    this.setTime(D.time_start !== null && D.time_start !== undefined ? D.time_start : this.tMin);
  };

  App.prototype.update = function (fc, opts) {
    // live update: features of the layers present in fc replace those layers' features;
    // opts.replace lists layers replaced even when fc has none of them (emptied)
    var self = this, ids = {};
    opts = opts || {};
    var incoming = (fc.features || []);
    if (!this.feats.length && incoming.length && (this.D.center_lon === null || this.D.center_lon === undefined)) {
      // the first data of a page that started empty: centre on it
      this.lon0 = circularMedianLon(incoming.map(function (f) {
        var c = f.geometry.coordinates;
        while (Array.isArray(c[0])) c = c[0];
        return c[0];
      }));
    }
    incoming = incoming.map(function (f, i) { return prepare(f, self.feats.length + i, self.lon0); });
    incoming.forEach(function (f) { ids[f.layer] = 1; });
    (opts.replace || []).forEach(function (id) { ids[id] = 1; });
    this.feats = this.feats.filter(function (f) { return !ids[f.layer]; }).concat(incoming);
    var added = false;
    incoming.forEach(function (f) {
      if (self.visible[f.layer] === undefined) {
        self.visible[f.layer] = true; added = true;
        self.layerList.push({ id: f.layer, name: f.layer, visible: true });
      }
    });
    if (added || this.D.hide_empty_layers) this.buildLayers();
    this.buildTime();
    this.render();
  };

  App.prototype.buildTime = function () {
    var ts = [];
    this.feats.forEach(function (f) {
      [f.t, f.t0, f.t1].forEach(function (t) { if (t !== null) ts.push(t); });
      if (f.ts) f.ts.forEach(function (t) { if (t !== null) ts.push(t); });
    });
    var dens = this.D.density;
    if (dens && dens.frames) dens.frames.forEach(function (fr) { ts.push(fr.t); });
    this.tMin = ts.length ? Math.min.apply(null, ts) : 0;
    this.tMax = ts.length ? Math.max.apply(null, ts) : 1;
    if (this.tMax <= this.tMin) this.tMax = this.tMin + 600;
    var s = this.el.slider;
    s.min = String(this.tMin); s.max = String(this.tMax); s.step = "60";
  };

  App.prototype.setTime = function (t) {
    this.t = Math.min(Math.max(t, this.tMin), this.tMax);
    this.el.slider.value = String(this.t);
    this.render();
  };

  function interp(f, part, t) {
    var ts = f.ts, out = [];
    if (t < ts[0]) return out;
    for (var j = 0; j < part.length; j++) {
      if (ts[j] <= t) { out.push(part[j]); continue; }
      var w = (t - ts[j - 1]) / (ts[j] - ts[j - 1]), a = part[j - 1], b = part[j];
      out.push([a[0] + w * (b[0] - a[0]), a[1] + w * (b[1] - a[1])]);
      break;
    }
    return out;
  }

  App.prototype.shown = function (f, t, best) {
    if (f.t0 !== null && t < f.t0) return false;
    if (f.t1 !== null && t > f.t1) return false;
    if (f.kind === "Polygon" && f.t !== null) return best[f.layer + "|" + f.group] === f.t;
    if (f.kind === "Point" && f.t !== null) return f.t <= t;
    if (f.kind === "LineString" && f.ts) return f.ts[0] <= t;
    return true;
  };

  App.prototype.drawFeature = function (f, group, t) {
    var self = this, map = this.map, p = f.props;
    var tip = tipHtml(f.name, describe(p));
    var col = f.color, made = 0;
    var opt = { pane: "sw-data", renderer: this.renderer };
    function add(layer, text) {
      layer.bindTooltip(text || tip, { sticky: true, className: "sw-tip", direction: "top" });
      layer.addTo(group); made++;
      return layer;
    }
    if (f.kind === "Point") {
      f.parts.forEach(function (part) {
        var c = part[0], ll = [c[1], wrapNear(c[0], self.lon0)];
        if (p.radius_km && f.layer !== "sites") {
          add(L.circle(ll, L.extend({ radius: p.radius_km * 1000, color: col, weight: 1, opacity: 0.7,
            dashArray: "4 3", fillColor: col, fillOpacity: 0.1 }, opt)));
        }
        if (f.layer === "sites") {
          // a square marker (not the round Ec points) and a name placed by the label layer
          add(L.marker(ll, { pane: "sw-data", keyboard: false, icon: L.divIcon({ className: "sw-site",
            html: "<b style='background:" + esc(col) + "'></b>", iconSize: [12, 12], iconAnchor: [6, 6] }) }));
          self.siteLabels.push({ kind: "site", name: f.name, lat: ll[0], lon: ll[1], z: 0, rank: -1 });
          return;
        }
        if (p.recommended === true) {
          add(L.circleMarker(ll, L.extend({ radius: 11, color: "#17202a", weight: 2.5, fill: false }, opt)));
        }
        var recent = f.t !== null && t - f.t < 3 * 3600;
        add(L.circleMarker(ll, L.extend({ radius: f.radius || (recent ? 6.5 : 5), color: "#fff", weight: f.radius && f.radius < 4 ? 0.6 : 1.2,
          fillColor: col, fillOpacity: f.opacity, className: "sw-pt" }, opt)));
      });
    } else if (f.kind === "LineString") {
      f.parts.forEach(function (part) {
        var full = continuous(part, self.lon0);
        var timed = f.ts && f.ts.length === part.length && f.parts.length === 1;
        var pts = timed ? interp(f, full, t) : full;
        if (pts.length >= 2) {
          add(L.polyline(pts, L.extend({ color: col, weight: f.width, opacity: f.opacity, dashArray: f.dash,
            lineJoin: "round", className: "sw-line" }, opt)));
        }
        if (timed && pts.length) {
          add(L.circleMarker(pts[pts.length - 1], L.extend({ radius: 5, color: col, weight: 2.5,
            fillColor: "#fff", fillOpacity: 1 }, opt)), tip + "<br><span class='k'>position at:</span> " + esc(fmtT(Math.min(t, f.ts[f.ts.length - 1]))));
        }
      });
    } else if (f.kind === "Polygon") {
      var rings = f.parts.map(function (poly) { return poly.map(function (r) { return continuous(r, self.lon0); }); });
      var poly = add(L.polygon(rings, L.extend({ color: col, weight: 1.2, opacity: 0.9, fillColor: col,
        fillOpacity: Math.min(f.opacity, 0.5), className: "sw-poly" }, opt)));
      // visible at every zoom: a marker where the polygon is smaller than a few pixels
      var b = poly.getBounds(), a = map.latLngToLayerPoint(b.getSouthWest()), c2 = map.latLngToLayerPoint(b.getNorthEast());
      if (Math.max(Math.abs(c2.x - a.x), Math.abs(c2.y - a.y)) < 10) {
        add(L.circleMarker(b.getCenter(), L.extend({ radius: 5, color: col, weight: 2, fillColor: col,
          fillOpacity: 0.6, className: "sw-small" }, opt)));
        self.counts.small_markers = (self.counts.small_markers || 0) + 1;
      }
    }
    return made;
  };

  App.prototype.render = function () {
    var self = this, t = this.t, best = {};
    this.feats.forEach(function (f) {
      if (f.kind !== "Polygon" || f.t === null) return;
      var key = f.layer + "|" + f.group;
      if (f.t <= t && (best[key] === undefined || f.t > best[key])) best[key] = f.t;
    });
    this.counts = {};
    this.siteLabels = [];
    this.layerList.forEach(function (l) {
      var g = self.groups[l.id];
      if (!g) { g = self.groups[l.id] = L.layerGroup(); }
      g.clearLayers();
      if (!self.visible[l.id]) { self.map.removeLayer(g); self.counts[l.id] = 0; return; }
      var n = 0;
      self.feats.forEach(function (f) { if (f.layer === l.id && self.shown(f, t, best)) n += self.drawFeature(f, g, t); });
      if (!self.map.hasLayer(g)) g.addTo(self.map);
      self.counts[l.id] = n;
    });
    this.renderDensity();
    this.showBase();
    this.el.label.textContent = fmtT(t);
    var cursors = this.root.querySelectorAll(".plot-cursor");
    for (var i = 0; i < cursors.length; i++) this.placeCursor(cursors[i], t);
  };

  App.prototype.showBase = function () {
    var m = this.map, b = this.base.layers;
    if (this.visible.basemap_borders) { if (!m.hasLayer(b.borders)) b.borders.addTo(m); } else m.removeLayer(b.borders);
    this.base.labelsOn = this.visible.basemap_labels;
    this.base.priority = this.siteLabels;
    this.base.drawLabels(this.siteLabels);
    this.counts.basemap_labels = b.labels.getLayers().length;
    this.counts.site_labels = b.dataLabels.getLayers().length;
  };

  App.prototype.renderDensity = function () {
    var dens = this.D.density, self = this;
    if (!dens) return;
    var frame = null;
    (dens.frames || []).forEach(function (fr) { if (fr.t <= self.t + 1 && (!frame || fr.t > frame.t)) frame = fr; });
    if (!frame && dens.frames && dens.frames.length) frame = null;
    var pts = frame ? frame.pts.map(function (q) { return [q[0], wrapNear(q[1], self.lon0), 1]; }) : [];
    if (!this.heat) {
      this.heat = L.heatLayer([], { radius: 14, blur: 16, minOpacity: 0.25, max: 1,
        gradient: { 0.3: "#2c7bb6", 0.5: "#abd9e9", 0.7: "#fdae61", 0.9: "#d7191c" }, pane: "overlayPane" });
    }
    // weights so the hottest cell is ~1 whatever the member count
    var w = Math.max(1, pts.length / 60);
    this.heat.options.max = w;
    if (this.visible.density && pts.length) {
      if (!this.map.hasLayer(this.heat)) this.heat.addTo(this.map);
      this.heat.setLatLngs(pts);
    } else if (this.map.hasLayer(this.heat)) {
      this.map.removeLayer(this.heat);
    }
    this.counts.density = this.visible.density ? pts.length : 0;
  };

  // ``animate`` false: jump (a fit the user did not ask for: while Leaflet animates a zoom it
  // drops any other, the user's wheel included)
  App.prototype.fit = function (animate) {
    var self = this, fitSet = this.D.fit_layers && this.D.fit_layers.length ? this.D.fit_layers : null;
    var lats = [], lngs = [];
    this.feats.forEach(function (f) {
      if (fitSet && fitSet.indexOf(f.layer) < 0) return;
      f.parts.forEach(function (part) {
        var pts = f.kind === "Polygon" ? part[0] : part;
        continuous(pts, self.lon0).forEach(function (ll) { lats.push(ll[0]); lngs.push(ll[1]); });
      });
    });
    if (!lats.length) { this.map.setView([20, this.lon0], 2); return; }
    var b = L.latLngBounds([Math.min.apply(null, lats), Math.min.apply(null, lngs)],
      [Math.max.apply(null, lats), Math.max.apply(null, lngs)]);
    this.map.fitBounds(b, { padding: [18, 18], maxZoom: 9, animate: animate !== false });
  };

  // ---------------------------------------------------------------- controls
  function h(tag, text, parent, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }
  App.prototype.buildLayers = function () {
    var self = this, box = this.el.layers;
    while (box.firstChild) box.removeChild(box.firstChild);
    var colors = {};
    this.feats.forEach(function (f) { if (!colors[f.layer]) colors[f.layer] = f.color; });
    var layers = this.layerList;
    // a live page lists only the layers that have something to draw
    if (this.D.hide_empty_layers) layers = layers.filter(function (l) { return colors[l.id]; });
    var entries = layers.map(function (l) { return [l.id, l.name, colors[l.id] || "#888"]; });
    if (this.D.density) entries.push(["density", this.D.density.name || "Member density", "#d7191c"]);
    entries.push(["basemap_borders", "Borders and states", BASE.border]);
    entries.push(["basemap_labels", "Place names", "#333"]);
    entries.forEach(function (e) {
      var lab = h("label", null, box);
      var cb = h("input", null, lab);
      cb.type = "checkbox"; cb.checked = !!self.visible[e[0]]; cb.id = "toggle-" + e[0];
      cb.addEventListener("change", function () { self.visible[e[0]] = cb.checked; self.render(); });
      h("span", null, lab, "sw").style.background = e[2];
      lab.appendChild(document.createTextNode(e[1]));
    });
  };
  App.prototype.bindControls = function () {
    var self = this, s = this.el.slider, timer = null;
    var pending = false;
    s.addEventListener("input", function () {
      self.t = parseFloat(s.value);
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () { pending = false; self.render(); });
    });
    this.el.play.addEventListener("click", function () {
      var b = self.el.play;
      if (timer) { clearInterval(timer); timer = null; b.innerHTML = "&#9654;"; return; }
      b.innerHTML = "&#10074;&#10074;";
      if (self.t >= self.tMax) self.t = self.tMin;
      timer = setInterval(function () {
        var t = self.t + (self.tMax - self.tMin) / 200;
        if (t >= self.tMax) { t = self.tMax; clearInterval(timer); timer = null; b.innerHTML = "&#9654;"; }
        self.setTime(t);
      }, 80);
    });
    var reset = this.root.querySelector("#zoom-reset");
    if (reset) reset.addEventListener("click", function () { self.fit(); });
  };
  App.prototype.buildHeadline = function () {
    var box = this.el.headline;
    if (!box) return;
    while (box.firstChild) box.removeChild(box.firstChild);
    (this.D.headline || []).forEach(function (x) {
      var d = h("div", null, box); h("b", x[0], d); d.appendChild(document.createTextNode(x[1]));
    });
    var lg = this.root.querySelector("#legend");
    if (lg) {
      while (lg.firstChild) lg.removeChild(lg.firstChild);
      (this.D.legend || []).forEach(function (e) {
        var row = h("div", null, lg); h("span", null, row).style.background = e[0];
        row.appendChild(document.createTextNode(e[1]));
      });
      lg.hidden = !(this.D.legend && this.D.legend.length);
    }
  };

  // ---------------------------------------------------------------- plots (SVG)
  var NS = "http://www.w3.org/2000/svg";
  function sv(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }
  App.prototype.placeCursor = function (c, t) {
    var sc = this.scales[c.getAttribute("data-plot")];
    if (!sc) return;
    if (t < sc.x0 || t > sc.x1) { c.setAttribute("visibility", "hidden"); return; }
    var x = sc.fx(t);
    c.setAttribute("visibility", "visible"); c.setAttribute("x1", x); c.setAttribute("x2", x);
  };
  App.prototype.buildPlots = function () {
    var self = this, box = this.el.plots;
    this.scales = {};
    while (box.firstChild) box.removeChild(box.firstChild);
    (this.D.plots || []).forEach(function (p) { self.buildPlot(p, box); });
  };
  App.prototype.buildPlot = function (p, box) {
    var self = this;
    var div = h("div", null, box, "plot");
    div.id = "plot-" + p.id;
    h("h2", p.title, div);
    var W = 600, H = 250, Lm = 62, R = 14, T = 12, B = 36;
    var s = sv("svg", { viewBox: "0 0 " + W + " " + H, preserveAspectRatio: "xMidYMid meet", role: "img", "aria-label": p.title }, div);
    function yv(v) { return p.log_y ? (v > 0 ? Math.log10(v) : null) : v; }
    var xs = [], ys = [];
    p.series.forEach(function (se) {
      se.x.forEach(function (x, j) { var y = se.y[j] === null ? null : yv(se.y[j]); if (x !== null && y !== null && isFinite(y)) { xs.push(x); ys.push(y); } });
    });
    (p.hlines || []).forEach(function (hl) { var y = yv(hl[0]); if (y !== null) ys.push(y); });
    (p.vlines || []).forEach(function (vl) { xs.push(vl[0]); });
    if (!xs.length) { h("p", "no data", div, "note"); return; }
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    if (x1 <= x0) x1 = x0 + 3600;
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (p.log_y) { y0 = Math.floor(y0); y1 = Math.ceil(y1); }
    if (y1 <= y0) y1 = y0 + 1;
    if (!p.log_y) { var pad = 0.06 * (y1 - y0); y0 = y0 >= 0 && y0 - pad < 0 ? 0 : y0 - pad; y1 += pad; }
    if (p.y_min !== null && p.y_min !== undefined) y0 = p.y_min;
    if (p.y_max !== null && p.y_max !== undefined) y1 = p.y_max;
    function fx(x) { return Lm + (x - x0) / (x1 - x0) * (W - Lm - R); }
    function fy(y) { return H - B - (y - y0) / (y1 - y0) * (H - T - B); }
    this.scales[p.id] = { x0: x0, x1: x1, fx: fx };
    sv("line", { x1: Lm, x2: Lm, y1: T, y2: H - B, class: "axis" }, s);
    sv("line", { x1: Lm, x2: W - R, y1: H - B, y2: H - B, class: "axis" }, s);
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
      sv("line", { x1: Lm - 4, x2: Lm, y1: fy(yy), y2: fy(yy), class: "axis" }, s);
      sv("line", { x1: Lm, x2: W - R, y1: fy(yy), y2: fy(yy), class: "grid" }, s);
      sv("text", { x: Lm - 6, y: fy(yy) + 4, "text-anchor": "end", class: "axis-label" }, s).textContent =
        p.log_y ? "1e" + Math.round(yy) : fmtNum(+yy.toPrecision(6));
    });
    for (var m = 0; m <= 4; m++) {
      var xx = x0 + (x1 - x0) * m / 4;
      sv("line", { x1: fx(xx), x2: fx(xx), y1: H - B, y2: H - B + 4, class: "axis" }, s);
      sv("text", { x: fx(xx), y: H - B + 16, "text-anchor": m === 0 ? "start" : m === 4 ? "end" : "middle", class: "axis-label" }, s).textContent = fmtT(xx).slice(5, 16);
    }
    sv("text", { x: 12, y: (H - B) / 2, transform: "rotate(-90 12 " + (H - B) / 2 + ")", "text-anchor": "middle", class: "axis-label" }, s).textContent = p.y_label;
    (p.hlines || []).forEach(function (hl) {
      var y = yv(hl[0]); if (y === null) return;
      sv("line", { x1: Lm, x2: W - R, y1: fy(y), y2: fy(y), stroke: "#7d3c98", "stroke-dasharray": "5 4", "stroke-width": 1.2 }, s);
      sv("text", { x: W - R - 4, y: fy(y) - 4, "text-anchor": "end", class: "axis-label" }, s).textContent = hl[1];
    });
    (p.vlines || []).forEach(function (vl) {
      sv("line", { x1: fx(vl[0]), x2: fx(vl[0]), y1: T, y2: H - B, stroke: "#17202a", "stroke-width": 1.6, class: "event" }, s);
      sv("text", { x: fx(vl[0]) + (fx(vl[0]) > W / 2 ? -4 : 4), y: T + 10, "text-anchor": fx(vl[0]) > W / 2 ? "end" : "start", class: "axis-label event-label" }, s).textContent = vl[1];
    });
    p.series.forEach(function (se) {
      var pts = [];
      se.x.forEach(function (x, j) { var y = se.y[j] === null ? null : yv(se.y[j]); if (x !== null && y !== null && isFinite(y)) pts.push([fx(x), fy(y), j]); });
      if (se.mode.indexOf("line") >= 0 && pts.length > 1) {
        sv("path", { d: pts.map(function (q, j) { return (j ? "L" : "M") + q[0].toFixed(1) + "," + q[1].toFixed(1); }).join(""),
          fill: "none", stroke: se.color, "stroke-width": 2, "stroke-opacity": 0.9, "stroke-dasharray": se.dash || null, class: "series" }, s);
      }
      if (se.mode.indexOf("points") >= 0) {
        pts.forEach(function (q) {
          var c = sv("circle", { cx: q[0], cy: q[1], r: 3.2, fill: se.colors ? se.colors[q[2]] : se.color, class: "plot-pt" }, s);
          var tt = se.tips ? se.tips[q[2]] : se.name + "\n" + fmtT(se.x[q[2]]) + "\n" + fmtNum(se.y[q[2]]);
          sv("title", {}, c).textContent = tt;
        });
      }
    });
    // legend of the series
    var leg = h("div", null, div, "plot-legend");
    p.series.forEach(function (se) { if (!se.name) return; var it = h("span", null, leg); h("i", null, it).style.background = se.color; it.appendChild(document.createTextNode(se.name)); });
    sv("line", { x1: Lm, x2: Lm, y1: T, y2: H - B, stroke: "#1d2430", "stroke-width": 1, "stroke-dasharray": "2 2", class: "plot-cursor", "data-plot": p.id }, s);
    // clicking a plot moves the map's clock there
    s.addEventListener("click", function (ev) {
      var r = s.getBoundingClientRect();
      var x = (ev.clientX - r.left) / r.width * W;
      var t = x0 + (x - Lm) / (W - Lm - R) * (x1 - x0);
      if (t >= x0 && t <= x1) self.setTime(t);
    });
    if (p.note) h("p", p.note, div, "note");
  };

  App.prototype.buildTables = function () {
    var box = this.el.tables;
    while (box.firstChild) box.removeChild(box.firstChild);
    (this.D.tables || []).forEach(function (tb) {
      h("h2", tb.title, box);
      var wrap = h("div", null, box, "table-wrap");
      var table = h("table", null, wrap);
      var tr = h("tr", null, h("thead", null, table));
      tb.columns.forEach(function (c) { h("th", c, tr); });
      var body = h("tbody", null, table);
      tb.rows.forEach(function (r) {
        var row = h("tr", null, body);
        r.forEach(function (v) { h("td", typeof v === "number" ? fmtNum(v) : v === null || v === undefined ? "" : v, row, typeof v === "number" ? "num" : ""); });
      });
      if (tb.note) h("p", tb.note, box, "note");
    });
    var notes = this.el.notes;
    while (notes.firstChild) notes.removeChild(notes.firstChild);
    (this.D.notes || []).forEach(function (n) { h("p", n, notes); });
  };

  function createApp(root, opts) {
    var app = new App(root, opts);
    app.bindControls();
    // on a phone the layer list starts folded, so the map is on the first screen
    var box = root.querySelector(".layers-box");
    if (box && window.innerWidth < 640) box.open = false;
    return app;
  }

  window.stratowatch = {
    createApp: createApp,
    describe: describe,
    version: 1
  };
})();
