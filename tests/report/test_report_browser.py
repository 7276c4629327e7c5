"""The map front end in a real headless Chromium (Debian's, through Playwright's
executable_path: no download): the demo's report.html and the ``predict --out flight.html``
report. Checked: no console error or warning, no network request other than the page itself
and data: URIs, every layer drawn, states and place names at zoom, the time slider, layer
toggles, tooltips in words, the altitude plot (drawn, and a click on it moves the clock), the
heat map, a live update through the same code the service uses, and the phone layout (390 x
844) without horizontal scrolling. Screenshots go to the test's tmp folder (and test-artifacts/);
``STRATOWATCH_DOCS_IMG=1`` also refreshes docs/img/report.png and docs/img/flight.png."""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app
from stratowatch.report import Plot, Series, Table, render_report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
API = "window.stratowatchReport"


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield b
        b.close()


class Page:
    """A page with its console messages and requests recorded."""

    def __init__(self, browser: Any, path: Path, width: int = 1280, height: int = 900) -> None:
        self.path = path
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function(f"{API} !== undefined")
        self.settle()

    def settle(self) -> None:
        self.page.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))")

    def js(self, expr: str) -> Any:
        return self.page.evaluate(expr)

    def do(self, stmt: str) -> None:
        """Run a statement whose value is not wanted (Leaflet calls return the map)."""
        self.page.evaluate(f"() => {{ {stmt}; }}")
        self.settle()

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = self.js(f"Object.assign({{}}, {API}.counts)")
        return out

    def set_time(self, t: float) -> None:
        self.page.locator("#time").fill(str(t))
        self.settle()

    def close_and_check(self) -> None:
        self.page.close()
        assert self.problems == [], self.problems
        uri = self.path.resolve().as_uri()
        outside = [u for u in self.requests if u != uri and not u.startswith("data:")]
        assert outside == [], outside


def _shot(page: Any, tmp: Path, name: str, docs: bool = False) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    out = tmp / name
    page.screenshot(path=str(out), full_page=False)
    assert out.stat().st_size > 20_000  # a drawn page, not a blank one
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(out, ARTIFACTS / name)
    if docs and os.environ.get("STRATOWATCH_DOCS_IMG") == "1":
        shutil.copy(out, ROOT / "docs" / "img" / name)


def _check_common(p: Page, tmp: Path, prefix: str) -> dict[str, Any]:
    """What every report must do: layers, slider, toggles, tooltips, plots, zoom names."""
    layer_ids = p.js(f"{API}.layerList.map(l => l.id)")
    t_min, t_max = p.js(f"[{API}.tMin, {API}.tMax]")
    p.set_time(t_max)
    at_end = p.counts()
    for lid in layer_ids:
        if p.js(f"{API}.visible['{lid}']"):
            assert at_end.get(lid, 0) > 0, f"layer {lid} draws nothing at the end time: {at_end}"
    # the slider moves the clock: the label follows, timed paths are shorter at the start
    p.set_time(t_min)
    at_start = p.counts()
    assert p.page.locator("#time-label").inner_text().endswith("UTC")
    assert sum(at_start.values()) < sum(at_end.values())
    # a layer toggle removes and restores a layer's drawing
    first = next(lid for lid in layer_ids if at_end.get(lid, 0) > 0)
    p.set_time(t_max)
    p.page.locator(f"#toggle-{first}").uncheck()
    p.settle()
    assert p.counts()[first] == 0
    p.page.locator(f"#toggle-{first}").check()
    p.settle()
    assert p.counts()[first] == at_end[first]
    # the altitude plot: drawn lines, a click on it moves the clock to that time
    plot = p.page.locator("#plot-altitude svg")
    assert plot.count() == 1 and p.page.locator("#plot-altitude path.series").count() >= 1
    box = plot.bounding_box()
    assert box is not None
    plot.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    p.settle()
    t_click = p.js(f"{API}.t")
    assert t_min < t_click < t_max
    # tooltips are in words with units, never raw keys
    texts = p.js(
        f"{API}.feats.map(f => window.stratowatch.describe(f.props).map(l => l[0]).join('|'))"
    )
    joined = " ".join(texts)
    for raw in ("semi_major_km", "radius_km", "p_land", "r90_km", "alt_m", "group:", "level:"):
        assert raw not in joined
    return {"at_end": at_end, "at_start": at_start, "layers": layer_ids}


def _check_phone(browser: Any, path: Path, tmp: Path, name: str) -> None:
    p = Page(browser, path, 390, 844)
    width = p.js("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal scrolling on a phone: page is {width} px wide"
    assert p.js("document.getElementById('map').getBoundingClientRect().width") <= 390
    # the map is on the first screen
    assert p.js("document.getElementById('map').getBoundingClientRect().top") < 844
    _shot(p.page, tmp, name)
    p.close_and_check()


# ----------------------------------------------------------------------------- the demo


def test_demo_report_in_chromium(browser: Any, demo_run: Any, tmp_path: Path) -> None:
    out, result = demo_run
    assert result.exit_code == 0, result.output
    path = out / "report.html"
    p = Page(browser, path)
    # the first view holds the origin (over Asia) and the shoot-down (off South Carolina)
    west, east = p.js(f"[{API}.map.getBounds().getWest(), {API}.map.getBounds().getEast()]")
    origin_lon = 114.6 - 360.0 if west < 0 else 114.6
    assert west <= origin_lon and east >= -78.9
    info = _check_common(p, tmp_path, "report")
    assert {"origin", "corridor", "debris", "sites", "windows", "track", "reports"} <= set(
        info["layers"]
    )
    assert info["at_end"]["density"] > 50  # the forecast members' heat map
    # sites are named on the map, in their own colour (not the red of "Ec higher")
    p.do(f"{API}.map.setView([39.0, -97.0], 5.5, {{animate: false}})")
    assert p.counts()["site_labels"] >= 1
    site_colors = p.js(
        f"{API}.feats.filter(f => f.layer === 'sites').map(f => f.color.toLowerCase())"
    )
    assert site_colors and "#c0392b" not in site_colors
    # states and places are named at zoom (central US, zoom 6)
    p.do(f"{API}.map.setView([39.0, -97.0], 6, {{animate: false}})")
    p.page.wait_for_function("document.querySelectorAll('.sw-region').length > 0")
    regions = p.js("[...document.querySelectorAll('.sw-region')].map(e => e.textContent)")
    places = p.js("[...document.querySelectorAll('.sw-place')].map(e => e.textContent)")
    assert "Kansas" in regions, regions
    assert len(places) >= 5 and "Kansas City" in places, places
    assert p.page.locator(".leaflet-control-scale-line").first.is_visible()
    # the footprints stay visible zoomed out: a marker where a polygon is a few pixels wide
    t_rec = p.js(
        f"{API}.feats.filter(f => f.layer === 'debris' && f.t0 !== null).map(f => f.t0)"
        ".reduce((a, b) => Math.max(a, b), 0)"
    )
    p.set_time(t_rec + 60.0)
    p.do(f"{API}.map.setZoom(2, {{animate: false}})")
    assert p.counts()["debris"] > 0
    assert p.counts().get("small_markers", 0) >= 1
    # the Ec plot marks the real shoot-down
    assert "real shoot-down" in p.page.locator("#plot-ec").inner_text()
    p.do(f"{API}.fit()")
    p.set_time(p.js(f"{API}.tMin") + 0.8 * (p.js(f"{API}.tMax") - p.js(f"{API}.tMin")))
    _shot(p.page, tmp_path, "report.png", docs=True)
    p.close_and_check()
    _check_phone(browser, path, tmp_path, "report-phone.png")


# ----------------------------------------------------------------------------- predict


def test_predict_flight_report_in_chromium(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "flight.html"
    result = CliRunner().invoke(
        app,
        [
            "predict", "--time", "2023-06-01T12:00Z", "--lat", "52.2", "--lon", "0.1",
            "--alt", "100", "--profile", "standard", "--hours", "6", "--members", "200",
            "--alt-sigma", "1500", "--seed", "1", "--out", str(path),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    p = Page(browser, path)
    info = _check_common(p, tmp_path, "flight")
    assert info["at_end"]["end_region"] == 2  # 50 % and 90 % landing regions
    assert info["at_end"]["density"] > 50
    head = p.page.locator("#headline").inner_text()
    assert "BURST" in head.upper() and "MEDIAN LANDING" in head.upper()
    # the altitude plot marks the burst and the landing
    assert "burst" in p.page.locator("#plot-altitude").inner_text()
    _shot(p.page, tmp_path, "flight.png", docs=True)
    p.close_and_check()
    _check_phone(browser, path, tmp_path, "flight-phone.png")


def test_single_member_flight_says_end_not_median(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "one.html"
    result = CliRunner().invoke(
        app,
        [
            "predict", "--time", "2023-06-01T12:00Z", "--lat", "52.2", "--lon", "0.1",
            "--alt", "100", "--profile", "standard", "--hours", "6", "--out", str(path),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    p = Page(browser, path)
    head = p.page.locator("#headline").inner_text().lower()
    assert "median" not in head and "landing" in head and "burst" in head
    assert p.counts().get("end_region", 0) == 0
    p.close_and_check()


# ----------------------------------------------------------------------------- live updates


def _circle(lon: float, lat: float, r_deg: float, n: int = 24) -> list[list[float]]:
    ring = [
        [lon + r_deg * math.cos(2 * math.pi * k / n), lat + r_deg * math.sin(2 * math.pi * k / n)]
        for k in range(n)
    ]
    return [*ring, ring[0]]


def test_live_update_through_the_same_code(browser: Any, tmp_path: Path) -> None:
    """The service feeds the page by ``app.update(featureCollection)``: a new track replaces
    the old one, a new layer appears with its toggle."""
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[-108.5, 45.8], [-100, 42]]},
                "properties": {
                    "layer": "track",
                    "name": "track 0",
                    "times": ["2023-02-01T19:00:00Z", "2023-02-02T19:00:00Z"],
                },
            }
        ],
    }
    page = render_report(
        fc,
        title="live",
        tables=[Table("t", ["a"], [[1.0]])],
        plots=[Plot("altitude", "alt", "km", [Series("s", [1.6753e9, 1.6754e9], [18.0, 18.2])])],
    )
    path = tmp_path / "live.html"
    path.write_text(page)
    p = Page(browser, path)
    update = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [_circle(-95.0, 39.0, 2.0)]},
                "properties": {"layer": "corridor", "name": "90 % region", "level": 0.9},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[-108.5, 45.8], [-100, 42], [-95, 39]],
                },
                "properties": {
                    "layer": "track",
                    "name": "track 0",
                    "times": [
                        "2023-02-01T19:00:00Z",
                        "2023-02-02T19:00:00Z",
                        "2023-02-03T15:30:00Z",
                    ],
                },
            },
        ],
    }
    p.page.evaluate(f"fc => {API}.update(fc)", update)
    p.set_time(p.js(f"{API}.tMax"))
    assert p.js(f"{API}.feats.filter(f => f.layer === 'track').length") == 1
    assert p.js(f"{API}.tMax") == pytest.approx(1675438200.0)
    assert p.counts()["corridor"] == 1
    assert p.page.locator("#toggle-corridor").count() == 1
    p.close_and_check()
