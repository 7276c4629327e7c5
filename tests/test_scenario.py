"""The shipped 2023 scenario: the package's copies match the compiled public data, the facts
parse, and bad report files fail with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratowatch.errors import InputError
from stratowatch.scenario import (
    BILLINGS,
    REPORTS_PATH,
    SITES_PATH,
    SURFSIDE,
    load_reports,
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
