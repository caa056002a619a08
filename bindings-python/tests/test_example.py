"""The notebook-style example examples/notebook/analyst_tour.py runs from start to end."""

from __future__ import annotations

import pathlib
import runpy

import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "notebook" / "analyst_tour.py"


def test_analyst_tour_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert EXAMPLE.is_file(), EXAMPLE
    namespace = runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    assert "<patchwork.Network: 2000 persons" in out
    # The cells computed what they say, checked against the frames they started from.
    involvements = namespace["involvements"]
    assert namespace["by_role"].sum() == len(involvements)
    assert len(namespace["caseload"]) == (
        involvements["professional_id"] == namespace["busiest"]
    ).sum()
    assert namespace["table"].num_rows == namespace["net"].involvement_count
