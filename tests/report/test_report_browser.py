"""report.html in a real headless Chromium: no console errors, no network requests, every layer
drawn, the time slider changes what is shown, tooltips, layer toggles; screenshots saved to
test-artifacts/. Uses Debian's chromium through Playwright's executable_path (no downloads)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield b
        b.close()


def _circle(lon: float, lat: float, r_deg: float, n: int = 24) -> list[list[float]]:
    ring = [
        [lon + r_deg * math.cos(2 * math.pi * k / n), lat + r_deg * math.sin(2 * math.pi * k / n)]
        for k in range(n)
    ]
    return [*ring, ring[0]]


def synthetic() -> dict[str, Any]:
    """Every kind of layer the demo draws, small."""

    def f(geom: dict[str, Any], **props: Any) -> dict[str, Any]:
        return {"type": "Feature", "geometry": geom, "properties": props}

    pt = "Point"
    feats = [
        f(
            {"type": pt, "coordinates": [-108.5, 45.78]},
            layer="reports",
            name="Billings",
            time="2023-02-01T19:00:00Z",
            radius_km=50.0,
        ),
        f(
            {"type": pt, "coordinates": [-95.75, 39.95]},
            layer="reports",
            name="Sabetha",
            time="2023-02-03T15:30:00Z",
            radius_km=30.0,
        ),
        f(
            {
                "type": "LineString",
                "coordinates": [[-108.5, 45.78], [-95.75, 39.95], [-78.9, 33.5]],
            },
            layer="track",
            name="track 0",
            times=["2023-02-01T19:00:00Z", "2023-02-03T15:30:00Z", "2023-02-04T19:39:00Z"],
        ),
        f(
            {"type": pt, "coordinates": [-111.19, 47.5]},
            layer="sites",
            name="Malmstrom AFB",
            radius_km=5.0,
        ),
        f(
            {"type": pt, "coordinates": [-100.0, 42.0]},
            layer="windows",
            name="window 1",
            time="2023-02-02T19:00:00Z",
            ec=3e-3,
            style={"color": "#c0392b"},
        ),
        f(
            {"type": "Polygon", "coordinates": [_circle(-100.0, 42.0, 0.1)]},
            layer="debris",
            name="footprint",
            group="90",
        ),
        f(
            {"type": "LineString", "coordinates": [[-168.0, 55.5], [170.0, 50.0]]},
            layer="origin",
            name="back-trajectory",
        ),
    ]
    for h, (lon, lat) in enumerate([(-108.5, 45.8), (-102.0, 42.0), (-95.0, 39.0)]):
        feats.append(
            f(
                {"type": "Polygon", "coordinates": [_circle(lon, lat, 1.0 + h)]},
                layer="corridor",
                group="90",
                name=f"90 % +{24 * h} h",
                time=f"2023-02-0{1 + h}T19:00:00Z",
            )
        )
    return {"type": "FeatureCollection", "features": feats}


def _check_page(browser: Any, path: Path, shot: str) -> dict[str, Any]:
    """Open ``path``; check console, network, layers, slider, toggles, tooltips; screenshot."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.resolve().as_uri())
    page.wait_for_function("window.stratowatchReport !== undefined")
    api = "window.stratowatchReport"
    counts = page.evaluate(f"{api}.counts()")
    layer_ids = page.evaluate(
        "JSON.parse(document.getElementById('sw-data').textContent).layers.map(l => l.id)"
    )
    # slider at the end: every layer has something drawn
    t_min, t_max = page.evaluate(f"[{api}.tMin, {api}.tMax]")
    page.locator("#time").fill(str(t_max))
    page.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
    at_end = page.evaluate(f"{api}.counts()")
    for lid in ["borders", *layer_ids]:
        assert at_end.get(lid, 0) > 0, f"layer {lid} draws nothing at the end time: {at_end}"
        assert page.locator(f"#layer-{lid}").count() == 1
    track_end = page.locator("#layer-track path").first.get_attribute("d")
    # slider at the start: fewer reports, a shorter track
    page.locator("#time").fill(str(t_min))
    page.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
    at_start = page.evaluate(f"{api}.counts()")
    assert at_start["reports"] < at_end["reports"]
    assert page.locator("#time-label").inner_text().endswith("Z")
    assert page.locator("#layer-track path").count() == 0 or (
        page.locator("#layer-track path").first.get_attribute("d") != track_end
    )
    # layer toggle removes and restores a layer
    page.locator("#toggle-reports").uncheck()
    assert page.locator("#layer-reports").count() == 0
    page.locator("#toggle-reports").check()
    assert page.locator("#layer-reports").count() == 1
    # tooltip on a report
    page.locator("#time").fill(str(t_max))
    page.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
    page.locator("#layer-reports circle.pt").first.hover(force=True)
    assert page.locator("#tip").is_visible()
    assert len(page.locator("#tip").inner_text()) > 3
    # zoom changes the scale
    s0 = page.evaluate(f"{api}.state.s")
    page.locator("#zoom-in").click()
    page.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
    assert page.evaluate(f"{api}.state.s") > s0
    page.locator("#zoom-reset").click()
    assert page.locator("#map").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#time").fill(str(t_min + 0.8 * (t_max - t_min)))
    page.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    page.close()
    assert problems == [], problems
    page_uri = path.resolve().as_uri()
    outside = [u for u in requests if u != page_uri and not u.startswith("data:")]
    assert outside == [], outside
    return {"counts": counts, "at_start": at_start, "at_end": at_end}


def test_synthetic_report_in_chromium(browser: Any, tmp_path: Path) -> None:
    page = render_report(
        synthetic(),
        title="synthetic",
        layers=[
            ("corridor", "Corridor"),
            ("debris", "Debris"),
            ("track", "Track"),
            ("reports", "Reports"),
        ],
        borders=[_circle(-100.0, 45.0, 20.0)],
        tables=[Table("t", ["a"], [[1.0]])],
        plots=[Plot("p", "p", "y", [Series("s", [1.675e9, 1.6751e9], [1.0, 2.0])])],
    )
    path = tmp_path / "report.html"
    path.write_text(page)
    _check_page(browser, path, "report-synthetic.png")


def test_demo_report_in_chromium(browser: Any, demo_run: Any) -> None:
    out, result = demo_run
    assert result.exit_code == 0, result.output
    seen = _check_page(browser, out / "report.html", "report-demo.png")
    assert seen["at_end"]["windows"] > 0


def test_empty_report_loads_cleanly(browser: Any, tmp_path: Path) -> None:
    """No features, no borders, no plots: the page still loads without errors or requests."""
    path = tmp_path / "empty.html"
    path.write_text(render_report({"type": "FeatureCollection", "features": []}, title="empty"))
    page = browser.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.resolve().as_uri())
    page.wait_for_function("window.stratowatchReport !== undefined")
    page.locator("#time").fill("0")
    assert page.locator("#map").is_visible()
    page.close()
    assert problems == []
    assert requests == [path.resolve().as_uri()]
