"""The shipped 2023 scenario: the package's copies match the compiled public data, the facts
parse, and bad report files fail with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratowatch.errors import InputError
from stratowatch.scenario import (
    BILLINGS,
    FORECAST_FROM,
    REPORTS_PATH,
    SITES_PATH,
    SURFSIDE,
    load_reports,
    outcome_of,
)
from stratowatch.timeutil import to_epoch


@pytest.mark.shared
def test_shipped_copies_match_the_compiled_data(shared_data: Path) -> None:
    assert (
        REPORTS_PATH.read_bytes()
        == (shared_data / "scenarios" / "feb2023_public_reports.csv").read_bytes()
    )
    assert (
        SITES_PATH.read_bytes()
        == (shared_data / "geo" / "sensitive_sites_example.csv").read_bytes()
    )


def test_reports_parse_in_si_units() -> None:
    reports = load_reports()
    assert len(reports) == 8
    assert [r.time for r in reports] == sorted(r.time for r in reports)
    billings = next(r for r in reports if r.place == "Billings")
    assert billings.time == BILLINGS.time == to_epoch("2023-02-01T19:00Z")
    assert (billings.lat, billings.lon) == (BILLINGS.lat, BILLINGS.lon)
    assert billings.radius == 50_000.0 and billings.time_sigma == 3 * 3600.0
    assert billings.alt == 18_300.0
    shot = reports[-1]
    assert shot.kind == "engagement" and shot.place == "Surfside Beach"
    assert (shot.lat, shot.lon, shot.time) == (SURFSIDE.lat, SURFSIDE.lon, SURFSIDE.time)
    assert all(r.source for r in reports)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("2023-02-01T19:00:00Z,3,95.0,-108.5,50,,,report,x,y", "lat"),
        ("2023-02-01T19:00:00Z,3,45.0,-108.5,-5,,,report,x,y", "radius_km"),
        ("yesterday,3,45.0,-108.5,50,,,report,x,y", "time_utc"),
        ("2023-02-01T19:00:00Z,3,45.0,abc,50,,,report,x,y", "lon"),
    ],
)
def test_bad_report_rows_name_file_line_field(tmp_path: Path, row: str, field: str) -> None:
    header = REPORTS_PATH.read_text().splitlines()[0]
    good = REPORTS_PATH.read_text().splitlines()[1]
    p = tmp_path / "r.csv"
    p.write_text("\n".join([header, good, row]) + "\n")
    with pytest.raises(InputError) as err:
        load_reports(p)
    assert err.value.line == 3 and err.value.field == field
    assert str(p) in str(err.value)


def test_missing_columns_and_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text("time_utc,lat\n2023-02-01T19:00Z,45\n")
    with pytest.raises(InputError, match="missing columns"):
        load_reports(p)
    p.write_text("")
    with pytest.raises(InputError, match="no reports"):
        load_reports(p)
    with pytest.raises(InputError, match="cannot read"):
        load_reports(tmp_path / "absent.csv")


def test_outcome_and_default_forecast_start() -> None:
    """The outcome is the file's last engagement row; the default forecast start is the
    Billings report (the scenario's decision time), before it."""
    reports = load_reports()
    out = outcome_of(reports)
    assert out is not None and out.time == SURFSIDE.time and out.place == "Surfside Beach"
    assert outcome_of(reports[:5]) is None
    assert FORECAST_FROM == BILLINGS.time < out.time


def test_reports_out_of_order_and_with_a_bom_read_the_same(tmp_path: Path) -> None:
    lines = REPORTS_PATH.read_text().splitlines()
    p = tmp_path / "shuffled.csv"
    p.write_text("\ufeff" + "\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    assert load_reports(p) == load_reports()


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("2023-02-01T19:00:00Z,-3,45.0,-108.5,50,,,report,x,y", "time_uncertainty_h", "negative"),
        ("2023-02-01T19:00:00Z,3,45.0,-108.5,50,2e6,,report,x,y", "alt_m", "out of range"),
        (
            "2023-02-01T19:00:00Z,3,45.0,-108.5,50,18000,0,report,x,y",
            "alt_uncertainty_m",
            "positive",
        ),
        ("2023-02-01T19:00:00Z,3,45.0,-108.5,inf,,,report,x,y", "radius_km", "non-finite"),
        ("2023-02-01T19:00:00Z,3", "lat", "missing value"),
    ],
)
def test_more_bad_rows(tmp_path: Path, row: str, field: str, message: str) -> None:
    header = REPORTS_PATH.read_text().splitlines()[0]
    p = tmp_path / "r.csv"
    p.write_text("\n".join([header, row]) + "\n")
    with pytest.raises(InputError, match=message) as err:
        load_reports(p)
    assert err.value.line == 2 and err.value.field == field


def test_a_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xd8")
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        load_reports(p)
