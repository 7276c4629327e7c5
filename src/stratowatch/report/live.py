"""The service's live map: the report's map code (``map.js``, Leaflet, the Natural Earth
basemap) in a page that loads the current picture from the service's GeoJSON endpoints and
follows ``/v1/events``.

One front end, two deliveries: `stratowatch.report.render_report` inlines the assets into one
offline file; the live page references the very same files, which the service serves as static
assets under content-hashed names (cached for good by the browser: a new version is a new
name). ``live.js`` is the only code the live page adds: it signs in, fetches the GeoJSON, calls
the map app's ``setData``/``update`` and keeps an EventSource open (see docs/service.md, "Live
map").

The page makes no request outside the server that serves it: no CDN, no tiles, no web fonts;
the service sends it with a Content-Security-Policy that allows nothing else
(`LIVE_CSP`).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "Asset",
    "LIVE_CSP",
    "LIVE_LAYERS",
    "live_assets",
    "live_page",
]

#: Layers of the live map in drawing order (bottom first), with their names: the tracks and
#: the reports they used (``/v1/tracks/geojson``), the latest finished prediction
#: (``Prediction.to_features``) and the latest finished engagement plan (``plan_features``,
#: debris footprints when asked).
LIVE_LAYERS: tuple[tuple[str, str], ...] = (
    ("origin", "Origin cells (backward prediction)"),
    ("region", "Forecast regions (50/90 %)"),
    ("members", "Forecast members"),
    ("median_path", "Forecast median path"),
    ("end_points", "Forecast member ends"),
    ("end_median", "Forecast median end"),
    ("debris", "Debris footprints"),
    ("engage_windows", "Engagement windows"),
    ("engage_recommended", "Recommended engagement"),
    ("track", "Tracks"),
    ("reports", "Reports used by the tracks"),
)

#: Layers replaced by a prediction's GeoJSON, and by an engagement plan's.
PREDICTION_LAYERS = ("origin", "region", "members", "median_path", "end_points", "end_median")
ENGAGEMENT_LAYERS = ("debris", "engage_windows", "engage_recommended")
TRACK_LAYERS = ("track", "reports")

#: The Content-Security-Policy the service sends with the live page: scripts, styles and data
#: from the same origin only (Leaflet sets inline styles, hence ``'unsafe-inline'`` for
#: styles; no inline script).
LIVE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
}

#: (served name stem, file under the package)
_FILES: tuple[tuple[str, str], ...] = (
    ("leaflet.css", "report/vendor/leaflet.css"),
    ("report.css", "report/report.css"),
    ("live.css", "report/live.css"),
    ("leaflet.js", "report/vendor/leaflet.js"),
    ("leaflet-heat.js", "report/vendor/leaflet-heat.js"),
    ("map.js", "report/map.js"),
    ("live.js", "report/live.js"),
    ("basemap.json", "data/ne_50m_basemap.json"),
)


@dataclass(frozen=True)
class Asset:
    """A static file of the live page: its bytes (and gzip-compressed bytes), content type and
    a content hash that is part of its served ``file_name`` (``map.3f2a9c1e0b7d.js``)."""

    name: str
    content_type: str
    body: bytes
    gzipped: bytes
    digest: str

    @property
    def file_name(self) -> str:
        stem, _, ext = self.name.rpartition(".")
        return f"{stem}.{self.digest[:12]}.{ext}"

    @property
    def etag(self) -> str:
        return f'"{self.digest[:32]}"'


def _read(path: str) -> bytes:
    node = resources.files("stratowatch")
    for part in path.split("/"):
        node = node / part
    return node.read_bytes()


@cache
def live_assets() -> Mapping[str, Asset]:
    """The live page's static files by served file name (content-hashed); read once."""
    out: dict[str, Asset] = {}
    for name, path in _FILES:
        body = _read(path)
        ext = "." + name.rpartition(".")[2]
        asset = Asset(
            name=name,
            content_type=_TYPES[ext],
            body=body,
            gzipped=gzip.compress(body, compresslevel=9, mtime=0),
            digest=hashlib.sha256(body).hexdigest(),
        )
        out[asset.file_name] = asset
    return out


def _by_name() -> dict[str, Asset]:
    return {a.name: a for a in live_assets().values()}


def live_page(
    *,
    title: str = "stratowatch live map",
    asset_base: str = "/map/assets/",
    api_base: str = "",
    layers: Sequence[tuple[str, str]] = LIVE_LAYERS,
) -> str:
    """The live map page (HTML) for a service whose API is at ``api_base`` ("" = the same
    origin) and whose static files (`live_assets`) are at ``asset_base``.

    The page holds no data and no token: ``live.js`` signs in at ``{api_base}/map/session``
    (a short-lived, read-only, HttpOnly cookie), then loads ``/v1/tracks/geojson`` and the
    latest finished prediction and engagement plan, and follows ``/v1/events``.
    """
    assets = _by_name()

    def url(name: str) -> str:
        return html.escape(asset_base + assets[name].file_name, quote=True)

    config = {
        "api": api_base.rstrip("/"),
        "basemap": asset_base + assets["basemap.json"].file_name,
        "layers": [[lid, name] for lid, name in layers],
        "prediction_layers": list(PREDICTION_LAYERS),
        "engagement_layers": list(ENGAGEMENT_LAYERS),
        "track_layers": list(TRACK_LAYERS),
    }
    config_json = json.dumps(config, separators=(",", ":")).replace("</", "<\\/")
    page = _read("report/live.html").decode("utf-8")
    parts = {
        "__TITLE__": html.escape(title),
        "__CONFIG__": config_json,
        **{f"__ASSET:{name}__": url(name) for name in assets if name != "basemap.json"},
    }
    # one pass over the placeholders, so no substituted text is ever substituted again
    pattern = re.compile("|".join(re.escape(k) for k in parts))
    return pattern.sub(lambda m: parts[m.group(0)], page)
