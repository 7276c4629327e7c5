// stratowatch live map: the report's map app (map.js) fed by the service.
//
// Signs in (a token traded for a read-only session cookie at /map/session), opens the event
// stream (/v1/events; the browser resends Last-Event-ID when it reconnects, and a stream opened
// anew after a refusal passes ?last_event_id=), then loads the current picture from the GeoJSON
// endpoints: the tracks, the latest finished prediction and engagement plan. Each event
// refreshes what it names through app.update(featureCollection, {replace: layers}): the same
// code as the report, fed live. Everything comes from the server that served the page.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("sw-live-config").textContent);
  var API = cfg.api || "";
  var TYPES = ["observations", "track", "prediction", "engagement"];
  var KINDS = { prediction: cfg.prediction_layers, engagement: cfg.engagement_layers };
  function $(id) { return document.getElementById(id); }
  var el = {
    status: $("live-status"), info: $("live-info"), signout: $("live-signout"),
    login: $("live-login"), token: $("live-token"), error: $("live-login-error"),
    follow: $("live-follow"), slider: $("time"), label: $("time-label")
  };
  var app = null, source = null, retryTimer = null, trackTimer = null;
  var attempts = 0, everOpened = false, follow = true, autoFit = true, signedIn = false;
  var tracks = null, shown = { prediction: null, engagement: null };
  var jobs = { prediction: {}, engagement: {} }, lastEventId = null, updatedAt = null;
  var trackFetch = { running: false, again: false };
  // what a test (or a curious user in the console) can read
  var live = window.stratowatchLive = {
    state: "connecting", events: 0, lastEventId: null, opens: 0, reconnects: 0,
    refreshes: 0, errors: [], shown: shown, autoFit: true
  };

  // ------------------------------------------------------------------ status and headline
  function setStatus(state, text) {
    live.state = state;
    el.status.setAttribute("data-state", state);
    el.status.textContent = text || state;
  }
  function clock(t) { return new Date(t).toISOString().slice(11, 19) + " UTC"; }
  function showInfo() {
    var parts = [];
    if (updatedAt) parts.push("updated " + clock(updatedAt));
    if (lastEventId !== null) parts.push("event " + lastEventId);
    el.info.textContent = parts.join(" · ");
  }
  function fmtPos(s) {
    var alt = s.alt === null || s.alt === undefined ? "" : " · " + (s.alt / 1000).toFixed(1) + " km";
    return s.time.slice(0, 16).replace("T", " ") + " UTC · " + s.lat.toFixed(2) + ", " + s.lon.toFixed(2) + alt;
  }
  function findFeature(layer) {
    var f = app.feats.filter(function (x) { return x.layer === layer; });
    return f.length ? f[0].props : null;
  }
  function jobText(kind) {
    var running = Object.keys(jobs[kind]).filter(function (id) {
      return jobs[kind][id] === "queued" || jobs[kind][id] === "running";
    }).length;
    var text = shown[kind] ? shown[kind].slice(0, 8) : "none yet";
    if (kind === "prediction" && shown.prediction) {
      var end = findFeature("end_median");
      if (end) text = "end " + String(end.time).slice(5, 16).replace("T", " ") + " UTC, 90 % within " + Math.round(end.r90_km) + " km";
    }
    if (kind === "engagement" && shown.engagement) {
      var rec = findFeature("engage_recommended");
      text = rec ? "recommended " + String(rec.time).slice(5, 16).replace("T", " ") + " UTC, Ec " + Number(rec.ec).toExponential(1)
        : "no window under the limit";
    }
    if (running) text += " (" + running + " running)";
    return text;
  }
  function headline() {
    if (!app) return;
    var h = [];
    if (tracks) {
      var confirmed = tracks.tracks.filter(function (t) { return t.status === "confirmed"; }).length;
      h.push(["Tracks", tracks.tracks.length + " (" + confirmed + " confirmed)"]);
      h.push(["Reports", String(tracks.observations)]);
      var latest = null;
      tracks.tracks.forEach(function (t) { if (!latest || t.last.time > latest.time) latest = t.last; });
      if (latest) h.push(["Latest position", fmtPos(latest)]);
    }
    h.push(["Forecast", jobText("prediction")]);
    h.push(["Engagement", jobText("engagement")]);
    app.D.headline = h;
    app.buildHeadline();
  }

  // ------------------------------------------------------------------ the API
  function api(path, opts) {
    opts = opts || {};
    opts.credentials = "same-origin";
    opts.headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
    return fetch(API + path, opts).then(function (r) {
      if (r.status === 204) return null;
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) {
          var e = new Error(typeof body.detail === "string" ? body.detail : "HTTP " + r.status);
          e.status = r.status;
          throw e;
        }
        return body;
      });
    });
  }
  function failed(e) {
    if (e && e.status === 401) { signedOut("signed out: sign in again"); return; }
    live.errors.push(String(e && e.message || e));
    el.info.textContent = "last refresh failed: " + (e && e.message || e);
  }

  // ------------------------------------------------------------------ map updates
  function apply(fc, layers) {
    app.update(fc, { replace: layers });
    app.setTime(follow ? app.tMax : app.t);
    // the view follows the data (all of it: tracks, forecast, footprints) until the user
    // moves the map; the fit button hands it back
    // (without animation: a wheel during a zoom animation would be lost)
    if (autoFit && app.feats.length) app.fit(false);
    if (!app.feats.length) el.label.textContent = "no data yet";
    live.refreshes++;
    updatedAt = Date.now();
    showInfo();
  }
  function refreshTracks() {
    // one request at a time; what arrives meanwhile asks for one more
    if (trackFetch.running) { trackFetch.again = true; return trackFetch.promise; }
    trackFetch.running = true;
    trackFetch.promise = Promise.all([api("/v1/tracks/geojson"), api("/v1/tracks")]).then(function (r) {
      tracks = r[1];
      apply(r[0], cfg.track_layers);
      headline();
    }).catch(failed).then(function () {
      trackFetch.running = false;
      if (trackFetch.again) { trackFetch.again = false; return refreshTracks(); }
    });
    return trackFetch.promise;
  }
  function scheduleTracks() {
    // an update comes as one "observations" and a "track" event per changed track: one fetch
    if (trackTimer) return;
    trackTimer = setTimeout(function () { trackTimer = null; refreshTracks(); }, 80);
  }
  function showJob(kind, id) {
    return api("/v1/" + kind + "s/" + encodeURIComponent(id) + "/geojson").then(function (fc) {
      shown[kind] = id;
      apply(fc, KINDS[kind]);
      headline();
    });
  }
  function loadLatest(kind) {
    return api("/v1/" + kind + "s?limit=5").then(function (list) {
      list.forEach(function (j) { jobs[kind][j.id] = j.status; });
      var done = list.filter(function (j) { return j.status === "done"; })[0];
      if (done && done.id !== shown[kind]) return showJob(kind, done.id);
      headline();
    });
  }
  function loadAll() {
    return Promise.all([refreshTracks(), loadLatest("prediction"), loadLatest("engagement")]).catch(failed);
  }

  // ------------------------------------------------------------------ the event stream
  function onEvent(ev) {
    live.events++;
    lastEventId = live.lastEventId = ev.lastEventId || lastEventId;
    var d = {};
    try { d = JSON.parse(ev.data); } catch (e) { return; }
    if (ev.type === "observations" || ev.type === "track") {
      scheduleTracks();
    } else if (KINDS[ev.type]) {
      jobs[ev.type][d.id] = d.status;
      if (d.status === "done") showJob(ev.type, d.id).catch(failed);
      else headline();
    }
    showInfo();
  }
  function connect(resume) {
    if (source) source.close();
    clearTimeout(retryTimer);
    var url = API + "/v1/events";
    if (resume && lastEventId !== null) url += "?last_event_id=" + encodeURIComponent(lastEventId);
    var es = source = new EventSource(url);
    TYPES.forEach(function (t) { es.addEventListener(t, onEvent); });
    es.onopen = function () {
      if (es !== source) return;
      live.opens++;
      attempts = 0;
      setStatus("live", "live");
      // the first picture, or catching up after a gap (events replayed since Last-Event-ID
      // also arrive; a server that restarted has new event ids, so reload what is shown)
      loadAll();
      everOpened = true;
    };
    es.onerror = function () {
      if (es !== source) return;
      if (es.readyState === EventSource.CONNECTING) {
        // the browser reconnects by itself, sending Last-Event-ID
        live.reconnects++;
        setStatus(navigator.onLine === false ? "offline" : "reconnecting",
          navigator.onLine === false ? "offline: waiting for the network" : "reconnecting");
        return;
      }
      // closed: the server refused the stream (session over, or an error): find out which
      es.close();
      source = null;
      api("/map/session").then(function (s) {
        if (!s.signed_in) signedOut("session ended: sign in again");
        else retry();
      }, retry);
    };
  }
  function retry() {
    attempts++;
    var delay = Math.min(30, Math.pow(2, attempts - 1));
    setStatus("reconnecting", "reconnecting in " + delay + " s");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { connect(true); }, delay * 1000);
  }

  // ------------------------------------------------------------------ signing in and out
  function signedOut(message) {
    signedIn = false;
    if (source) { source.close(); source = null; }
    clearTimeout(retryTimer);
    setStatus("signed-out", "signed out");
    el.signout.hidden = true;
    el.login.hidden = false;
    el.error.textContent = message || "";
    el.token.focus();
  }
  function start(session) {
    signedIn = true;
    el.login.hidden = true;
    el.signout.hidden = false;
    el.signout.title = "signed in with " + (session.token_name || "a token") + " until " +
      String(session.expires_at || "").replace("T", " ");
    setStatus("connecting", "connecting");
    connect(everOpened);
  }
  el.login.addEventListener("submit", function (ev) {
    ev.preventDefault();
    el.error.textContent = "";
    var token = el.token.value.trim();
    api("/map/session", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token })
    }).then(function (s) {
      el.token.value = "";
      start(s);
    }, function (e) {
      el.error.textContent = e.status === 401 ? "Unknown or revoked token." : "Sign-in failed: " + e.message;
    });
  });
  el.signout.addEventListener("click", function () {
    api("/map/session", { method: "DELETE" }).then(function () { signedOut(""); }, failed);
  });

  // ------------------------------------------------------------------ following the latest
  function setFollow(on) {
    follow = on;
    el.follow.setAttribute("aria-pressed", on ? "true" : "false");
    if (on && app) app.setTime(app.tMax);
  }
  el.follow.addEventListener("click", function () { setFollow(!follow); });
  el.slider.addEventListener("input", function () {
    follow = parseFloat(el.slider.value) >= app.tMax - 60;
    el.follow.setAttribute("aria-pressed", follow ? "true" : "false");
  });
  ["pointerdown", "wheel", "touchstart", "keydown"].forEach(function (type) {
    $("map").addEventListener(type, function () { autoFit = live.autoFit = false; }, { passive: true });
  });
  $("zoom-reset").addEventListener("click", function () { autoFit = live.autoFit = true; });
  window.addEventListener("offline", function () { if (signedIn) setStatus("offline", "offline: waiting for the network"); });
  window.addEventListener("online", function () {
    // back on the network: a stream that looks open may be a dead connection, and fetches
    // made meanwhile failed; open a new stream from the last event seen (its onopen reloads)
    if (signedIn) connect(true);
  });

  // ------------------------------------------------------------------ boot
  fetch(cfg.basemap, { credentials: "same-origin" }).then(function (r) {
    if (!r.ok) throw new Error("basemap: HTTP " + r.status);
    return r.json();
  }).then(function (basemap) {
    app = window.stratowatch.createApp(document, { basemap: basemap });
    app.setData({
      title: document.title, features: [], hide_empty_layers: true,
      layers: cfg.layers.map(function (l) { return { id: l[0], name: l[1], visible: l[0] !== "members" }; }),
      headline: [], tables: [], plots: [], notes: [], legend: [], fit_layers: [],
      time_start: null, center_lon: null, density: null
    });
    window.stratowatchReport = app;
    el.label.textContent = "no data yet";
    headline();
    return api("/map/session");
  }).then(function (s) {
    if (s.signed_in) start(s); else signedOut("");
  }).catch(function (e) {
    setStatus("error", "error: " + (e && e.message || e));
    live.errors.push(String(e && e.message || e));
  });
})();
