"""Reachable sets of a balloon that steers by altitude (issue 15): exact answers in uniform
winds, containment of a brute-force ensemble of random altitude schedules on the climatology,
valid GeoJSON across the antimeridian and the pole, earliest arrival, the wind margin, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from stratowatch.atmosphere.perturb import PerturbedWind
from stratowatch.atmosphere.sources import open_wind
from stratowatch.atmosphere.wind import GriddedWind, WindGrid, WindMeta, profile_wind
from stratowatch.cli.main import app
from stratowatch.errors import ConfigError, InputError
from stratowatch.flight.integrate import integrate
from stratowatch.flight.models import Float, Stage
from stratowatch.geo.sites import Site
from stratowatch.predict.reach import (
    altitude_levels,
    reachable_set,
    wind_error_for,
)
from stratowatch.timeutil import to_epoch

T0 = "2023-02-01T19:00Z"


def _shear_profile() -> object:
    """Uniform, steady wind turning from east (15 km) through north (18.5 km) to west (22 km)."""
    return profile_wind(
        [0.0, 15000.0, 18500.0, 22000.0, 40000.0],
        [10.0, 10.0, 0.0, -10.0, -10.0],
        [0.0, 0.0, 10.0, 0.0, 0.0],
        source="shear profile",
    )


def test_uniform_wind_region_is_the_hodograph_hull() -> None:
    """In a uniform steady wind the reachable set after T is x0 + T conv{w(h)}: here the
    triangle (10, 0), (0, 10), (-10, 0) m/s times 6 h, 46,656 km2. The front must contain the
    end points of every single-altitude flight and, on the equator (where flying east or
    north at a constant speed follows great circles, as on a plane), match their hull within
    1 %; at 40 N the region's ellipsoidal area still matches the triangle's within 1 %."""
    wind = _shear_profile()
    levels = altitude_levels((15000.0, 22000.0), dz=100.0)
    for lat in (0.0, 40.0):
        res = reachable_set(T0, lat, -100.0, hours=6, every=6, wind=wind, sites=[])
        poly = res.polygon_at(6.0)
        r = integrate(
            [Stage(Float(), dt_max=300.0)], wind, to_epoch(T0), lat, -100.0, levels,
            duration=6 * 3600.0, keep_paths=False,
        )  # fmt: skip
        assert res.contains(r.end_lat, r.end_lon, 6.0).all()
        x, y = res._plane.forward(r.end_lon, r.end_lat)
        hull = shapely.MultiPoint(np.column_stack([x, y])).convex_hull
        assert poly.area >= hull.area
        if lat == 0.0:
            assert poly.area / hull.area == pytest.approx(1.0, abs=0.01)
        assert res.regions[-1].area_km2 == pytest.approx(46656.0, rel=0.01)


def test_airspeed_in_calm_air_is_a_disc() -> None:
    """Calm air, 5 m/s in any direction for 10 h: a disc of 180 km, pi r^2 = 101,788 km2."""
    res = reachable_set(T0, 45.0, 10.0, hours=10, every=10, wind="calm", airspeed=5.0)
    area = res.regions[-1].area_km2
    assert area == pytest.approx(math.pi * 180.0**2, rel=0.02)
    assert area >= math.pi * 180.0**2 * 0.999  # an outer bound
    # a point 179 km north is inside, 185 km is not
    assert res.contains([45.0 + 179e3 / 111_132.0], [10.0], 10.0)[0]
    assert not res.contains([45.0 + 185e3 / 111_132.0], [10.0], 10.0)[0]


def _brute_force(
    wind: object, t0: float, lat0: float, lon0: float, hours: int, seed: int, n: int
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """End points of random piecewise-constant altitude schedules (changes every 30 min at
    most): the 15 levels flown throughout, members switching to random altitudes at random
    times, and members that greedily pick the level whose wind best follows a random heading."""
    levels = altitude_levels((15000.0, 22000.0), dz=500.0)
    nl = levels.size
    rng = np.random.default_rng(seed)
    m1 = m2 = n
    tot = nl + m1 + m2
    lat = np.full(tot, lat0)
    lon = np.full(tot, lon0)
    alt = np.concatenate([levels, rng.uniform(15000, 22000, m1), np.full(m2, 18000.0)])
    th = rng.uniform(0, 2 * np.pi, m2)
    heading = np.stack([np.sin(th), np.cos(th)], axis=1)
    p_switch = np.concatenate([np.zeros(nl), rng.uniform(0.02, 0.5, m1), rng.uniform(0.05, 1, m2)])
    g = slice(nl + m1, tot)
    rnd = slice(nl, nl + m1)
    ends: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    t = t0
    for j in range(hours * 2):
        u, v = wind.uv(  # type: ignore[attr-defined]
            np.full((m2, nl), t),
            np.repeat(lat[g], nl).reshape(m2, nl),
            np.repeat(lon[g], nl).reshape(m2, nl),
            np.tile(levels, (m2, 1)),
        )
        best = levels[np.argmax(u * heading[:, :1] + v * heading[:, 1:], axis=1)]
        sw = rng.random(tot) < p_switch
        alt[rnd] = np.where(sw[rnd], rng.uniform(15000, 22000, m1), alt[rnd])
        alt[g] = np.where(sw[g] | (j == 0), best, alt[g])
        r = integrate(
            [Stage(Float(), dt_max=600.0)], wind, t, lat, lon, alt, duration=1800.0,
            keep_paths=False,
        )  # fmt: skip
        lat, lon = r.end_lat, r.end_lon
        t += 1800.0
        if (j + 1) % 2 == 0:
            ends[(j + 1) // 2] = (lat.copy(), lon.copy())
    return ends


def _shear_field() -> GriddedWind:
    """A global steady field whose direction turns 180 deg from 15 to 22 km (west wind below,
    east wind above, a northward component in between) and whose speed varies with latitude
    and longitude: the reachable region is broad (2-D), unlike the climatology's bands."""
    alts = np.array([0.0, 15000, 16000, 17000, 18000, 19000, 20000, 21000, 22000, 40000])
    step = 2.5
    lats = np.arange(-90, 90.01, step)
    lons = np.arange(0, 360 - 1e-9, step)
    la, lo = np.meshgrid(lats, lons, indexing="ij")
    th = np.clip((alts - 15000) / 7000, 0, 1) * np.pi
    sp = 15.0 * (1 + 0.25 * np.sin(np.radians(lo)))[None] * np.cos(np.radians(la))[None] ** 0.5
    u = sp * np.cos(th)[:, None, None]
    v = 0.6 * sp * np.sin(th)[:, None, None]
    shape = (1, alts.size, lats.size, lons.size)
    z = np.broadcast_to(alts.astype(np.float32)[None, :, None, None], shape)
    grid = WindGrid(
        np.zeros(1), -90.0, step, 0.0, step, np.ascontiguousarray(z),
        np.ascontiguousarray(u[None].astype(np.float32)),
        np.ascontiguousarray(v[None].astype(np.float32)), lon_periodic=True,
    )  # fmt: skip
    return GriddedWind(
        grid, WindMeta(source="shear", kind="analytic", grid_spacing_deg=step), strict_time=False
    )


@pytest.mark.parametrize(
    ("wind_name", "when", "lat0", "lon0", "hours"),
    [
        ("climatology", T0, 45.78, -108.5, 48),  # Billings, the demo: a thin curved band
        ("shear", T0, 40.0, -100.0, 24),  # direction shear: a broad 2-D region
    ],
)
def test_contains_a_brute_force_ensemble_and_is_tight(
    wind_name: str, when: str, lat0: float, lon0: float, hours: int
) -> None:
    """Issue 15 must-show: every member of a brute-force ensemble of random altitude schedules
    lies inside the reachable set, which is no more than 20 % larger in area than the
    ensemble's (convex) hull. The climatology's winds at one place turn little with height,
    so its regions are thin curved bands, far smaller than their hull (how close their
    boundary comes to the members is in docs/reachability.md). In the direction-shear field the
    region is broad and the hull a fair yardstick: they agree within 20 % both ways."""
    wind = open_wind("climatology") if wind_name == "climatology" else _shear_field()
    res = reachable_set(when, lat0, lon0, hours=hours, every=12, wind=wind)
    ends = _brute_force(wind, to_epoch(when), lat0, lon0, hours, seed=3, n=400)
    for h in (12, hours):
        la, lo = ends[h]
        inside = res.contains(la, lo, float(h))
        assert inside.all(), f"{(~inside).sum()} member(s) outside at {h} h"
        x, y = res._plane.forward(lo, la)
        hull = shapely.MultiPoint(np.column_stack([x, y])).convex_hull
        poly = res.polygon_at(float(h))
        ratio = poly.area / hull.area
        assert ratio <= 1.2, f"{h} h: region/hull area {ratio:.3f}"
        if wind_name == "shear":
            assert ratio >= 0.8, f"{h} h: region/hull area {ratio:.3f}"


def test_geojson_across_the_antimeridian_is_valid_and_ccw() -> None:
    """A region straddling 180 deg (the Aleutians; calm air, 5 m/s of airspeed for 6 h: a
    108 km disc about 179.9 E): a MultiPolygon split there, counter-clockwise exteriors,
    longitudes within +-180, valid, and the same area as on the plane."""
    res = reachable_set(T0, 52.0, 179.9, hours=6, every=6, wind="calm", airspeed=5.0)
    geom = res.regions[-1].geometry
    assert geom["type"] == "MultiPolygon"
    shp = shapely.geometry.shape(geom)
    assert shp.is_valid
    for part in shapely.get_parts(shp):
        assert part.exterior.is_ccw
        xs = np.asarray(part.exterior.coords)[:, 0]
        assert xs.min() >= -180.0 and xs.max() <= 180.0
    assert any(np.isclose(np.abs(np.asarray(p.exterior.coords)[:, 0]), 180.0).any()
               for p in shapely.get_parts(shp))  # fmt: skip
    plane_km2 = res.polygon_at(6.0).area / 1e6
    assert res.regions[-1].area_km2 == pytest.approx(plane_km2, rel=0.02)
    wind90 = shapely.geometry.shape(res.regions[-1].geometry_wind90)
    assert wind90.is_valid and wind90.contains(shp.buffer(-1e-6))


def test_region_around_the_pole() -> None:
    """With 5 m/s of airspeed from 89.5 N the 12 h region (216 km) covers the pole: one
    polygon closed along 90 N, valid, holding the pole."""
    res = reachable_set(T0, 89.5, 0.0, hours=12, every=12, wind="calm", airspeed=5.0)
    shp = shapely.geometry.shape(res.regions[-1].geometry)
    assert shp.is_valid
    assert shp.bounds[3] == pytest.approx(90.0)
    assert shp.bounds[0] == pytest.approx(-180.0) and shp.bounds[2] == pytest.approx(180.0)
    assert res.regions[-1].area_km2 == pytest.approx(math.pi * 216.0**2, rel=0.03)


def test_earliest_arrival_and_p_passive_in_a_uniform_wind() -> None:
    """Westerlies of 5 m/s (15 km) to 20 m/s (22 km): a site 360 km east (radius 5 km) can be
    reached at the fastest level in (360 - 5) km / 20 m/s = 4.93 h; a passive balloon at 22 km
    gets there too, so p_passive is ~1; at 15 km (216 km in 12 h) it does not; a site west is
    never reached."""
    wind = profile_wind(
        [0.0, 15000.0, 22000.0, 40000.0], [5.0, 5.0, 20.0, 20.0], [0.0] * 4, source="westerly"
    )
    lat0, lon0 = 40.0, -100.0
    east = Site("east", lat0, lon0 + math.degrees(360e3 / (6_371_008.8 * math.cos(0.6981317))),
                5000.0)  # fmt: skip
    west = Site("west", lat0, lon0 - 3.0, 5000.0)
    res = reachable_set(
        T0, lat0, lon0, hours=12, every=6, wind=wind, sites=[east, west], alt=22000.0,
        wind_sigma=0.05, passive_members=50,
    )  # fmt: skip
    e, w = res.sites
    assert e.earliest_time is not None
    assert (e.earliest_time - to_epoch(T0)) / 3600.0 == pytest.approx(355.0 / 72.0, abs=0.1)
    assert e.p_passive > 0.9
    assert w.earliest_time is None and w.earliest_time_90 is None and w.p_passive == 0.0
    assert e.earliest_time_90 is not None and e.earliest_time_90 <= e.earliest_time
    lo, hi = e.p_passive_90
    assert lo <= e.p_passive <= hi
    low = reachable_set(
        T0, lat0, lon0, hours=12, every=12, wind=wind, sites=[east], alt=15000.0,
        wind_sigma=0.05, passive_members=50,
    )  # fmt: skip
    assert low.sites[0].p_passive == 0.0
    assert low.sites[0].earliest_time == pytest.approx(e.earliest_time, abs=60.0)


def test_displacement_sigma_matches_a_perturbed_ensemble() -> None:
    """The wind margin's displacement error (`WindError.displacement_sigma`) against the RMS
    separation of perturbed and unperturbed members after 24 h on the climatology (same
    sigma, L and T, the climatology's correlation scales): within 20 %."""
    base = open_wind("climatology")
    n = 300
    pw = PerturbedWind(base, members=n, sigma=3.5, seed=2)
    kw = dict(duration=24 * 3600.0, keep_paths=False)
    st = [Stage(Float(), dt_max=600.0)]
    a = integrate(st, pw, to_epoch(T0), np.full(n, 45.0), np.full(n, -100.0), 18000.0, **kw)  # type: ignore[arg-type]
    b = integrate(st, base, to_epoch(T0), 45.0, -100.0, 18000.0, **kw)  # type: ignore[arg-type]
    from stratowatch.predict.regions import local_en

    e, nn = local_en(a.end_lat, a.end_lon, float(b.end_lat[0]), float(b.end_lon[0]))
    rms = math.sqrt(0.5 * float(np.mean(e**2 + nn**2)))
    err = wind_error_for(pw, time=to_epoch(T0), lat=45.0, lon=-100.0, alt=18000.0)
    assert err.sigma == pytest.approx(3.5)
    u, v = base.uv(to_epoch(T0), 45.0, -100.0, 18000.0)
    pred = float(err.displacement_sigma(24 * 3600.0, math.hypot(float(u), float(v))))
    assert rms == pytest.approx(pred, rel=0.2)


def test_wind_error_sources() -> None:
    assert (
        wind_error_for(open_wind("calm"), time=0.0, lat=0, lon=0, alt=18e3, sigma=2.0).sigma == 2.0
    )
    pw = PerturbedWind(open_wind("climatology"), members=2, sigma=4.0)
    assert wind_error_for(pw, time=0.0, lat=0, lon=0, alt=18e3).sigma == 4.0
    clim = wind_error_for(open_wind("climatology"), time=to_epoch(T0), lat=45, lon=-100, alt=18e3)
    assert 5.0 <= clim.sigma <= 20.0  # the climatology knows no weather: metres per second
    with pytest.raises(ConfigError):
        wind_error_for(open_wind("calm"), time=0.0, lat=0, lon=0, alt=0, sigma=-1.0)


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"band": (22000.0, 15000.0)}, ConfigError),
        ({"band": (15000.0,)}, ConfigError),
        ({"hours": 0.0}, ConfigError),
        ({"hours": 500.0}, ConfigError),
        ({"every": -1.0}, ConfigError),
        ({"airspeed": float("nan")}, ConfigError),
        ({"lat": 95.0}, InputError),
        ({"lon": float("inf")}, InputError),
        ({"time": "yesterday"}, InputError),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], exc: type[Exception]) -> None:
    args: dict[str, object] = {"time": T0, "lat": 45.0, "lon": -100.0, "hours": 2.0}
    args.update(kwargs)
    with pytest.raises(exc):
        reachable_set(args.pop("time"), args.pop("lat"), args.pop("lon"), **args)  # type: ignore[arg-type]


def test_cli_reach_json_and_outputs(tmp_path: Path) -> None:
    """`stratowatch reach ... --json --out`: regions [{hours, geometry}] and sites [{name,
    earliest_time, p_passive}], and the same layers written as GeoJSON and KML."""
    sites = tmp_path / "sites.csv"
    sites.write_text("name,lat,lon,radius_km\nSabetha,39.95,-95.75,30\nMalmstrom,47.50,-111.19,5\n")
    out = tmp_path / "reach.geojson"
    args = ["reach", "--time", T0, "--lat", "45.78", "--lon", "-108.5", "--alt-band",
            "15000:22000", "--hours", "24", "--every", "6", "--sites", str(sites),
            "--airspeed", "3", "--members", "40", "--json", "--out", str(out)]  # fmt: skip
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout.strip().splitlines()[-1])
    assert [g["hours"] for g in doc["regions"]] == [6, 12, 18, 24]
    for g in doc["regions"]:
        assert g["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert shapely.geometry.shape(g["geometry"]).is_valid
    names = [s["name"] for s in doc["sites"]]
    assert names == ["Sabetha", "Malmstrom"]
    for s in doc["sites"]:
        assert set(s) >= {"name", "earliest_time", "p_passive"}
    fc = json.loads(out.read_text())
    assert {f["properties"]["layer"] for f in fc["features"]} >= {"reach", "reach_sites"}
    kml = tmp_path / "reach.kml"
    r2 = CliRunner().invoke(app, [*args[:-2], "--out", str(kml)])
    assert r2.exit_code == 0 and "<Polygon" in kml.read_text()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--alt-band", "high:low"], "--alt-band"),
        (["--alt-band", "22000:15000"], "LOW <= HIGH"),
        (["--hours", "-3"], "hours"),
        (["--out", "x.png"], "unsupported output format"),
    ],
)
def test_cli_reach_bad_input(extra: list[str], message: str) -> None:
    base = ["reach", "--time", T0, "--lat", "45", "--lon", "-100", "--hours", "2"]
    r = CliRunner().invoke(app, [*base, *extra])
    assert r.exit_code == 2
    assert message in r.output


def test_cli_reach_bad_sites_file(tmp_path: Path) -> None:
    bad = tmp_path / "sites.csv"
    bad.write_text("name,lat,lon,radius_km\nX,91,0,5\n")
    r = CliRunner().invoke(
        app, ["reach", "--time", T0, "--lat", "45", "--lon", "-100", "--sites", str(bad)]
    )
    assert r.exit_code == 2
    assert "line 2" in r.output and "lat" in r.output
