"""The typed summary (issue 11): the demo's summary.json is what `demo.summary.DemoSummary`
serializes, a key without a model is refused, and the schema table of docs/demo.md is the one
generated from the models (the test fails when the page is stale)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from stratowatch.demo.summary import (
    SCHEMA_BEGIN,
    SCHEMA_END,
    DemoSummary,
    schema_markdown,
    write_schema,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "demo.md"


@pytest.fixture(scope="module")
def summary(demo_run: Any) -> dict[str, Any]:
    out, result = demo_run
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return data


def test_the_documented_schema_is_current() -> None:
    """Regenerates the table from the models and compares it with docs/demo.md."""
    assert write_schema(PAGE, check=True), (
        "docs/demo.md's summary.json table is stale: run "
        "`python tools/demo_schema.py --write docs/demo.md`"
    )
    text = PAGE.read_text()
    table = text.split(SCHEMA_BEGIN, 1)[1].split(SCHEMA_END, 1)[0]
    assert table.strip() == schema_markdown().strip()
    # every section of the model has its row
    for name in DemoSummary.model_fields:
        assert f"| `{name}` |" in table, name


def test_a_stale_page_is_found_and_rewritten(tmp_path: Path) -> None:
    page = tmp_path / "demo.md"
    page.write_text(PAGE.read_text().replace("| `hindsight` |", "| `hindsite` |"))
    assert not write_schema(page, check=True)
    tool = ROOT / "tools" / "demo_schema.py"
    check = subprocess.run(
        [sys.executable, str(tool), "--check", str(page)], capture_output=True, text=True
    )
    assert check.returncode == 1 and "stale" in check.stderr
    subprocess.run([sys.executable, str(tool), "--write", str(page)], check=True)
    assert page.read_text() == PAGE.read_text()


def test_summary_json_is_the_typed_summary(demo_run: Any, summary: dict[str, Any]) -> None:
    """summary.json round-trips through the models unchanged (nothing dropped, nothing added,
    ints stay ints), and `run_demo`'s result carries the same."""
    typed = DemoSummary.model_validate(summary)
    assert typed.to_json_dict() == summary
    assert json.dumps(typed.to_json_dict()) == json.dumps(summary)
    # typed access
    assert typed.forecast.track_as_of.reports == summary["forecast"]["track_as_of"]["reports"]
    assert typed.origin.from_.name == summary["origin"]["from"]["name"]
    if typed.hindsight is not None:
        assert all(w.region for w in typed.hindsight.windows)


def test_unknown_or_missing_keys_are_refused(summary: dict[str, Any]) -> None:
    bad = copy.deepcopy(summary)
    bad["forecast"]["surprise"] = 1
    with pytest.raises(ValidationError, match="surprise"):
        DemoSummary.model_validate(bad)
    bad = copy.deepcopy(summary)
    del bad["engagement"]["threshold"]
    with pytest.raises(ValidationError, match="threshold"):
        DemoSummary.model_validate(bad)
    # objects made by other packages keep keys the demo does not model
    ok = copy.deepcopy(summary)
    ok["engagement"]["start"]["new_planner_key"] = [1, 2]
    assert DemoSummary.model_validate(ok).to_json_dict()["engagement"]["start"][
        "new_planner_key"
    ] == [1, 2]
