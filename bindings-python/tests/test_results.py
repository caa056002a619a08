"""Typed results: field names as in the command line's JSON, to_dict, to_pandas, the
notebook table, docstrings, and the GIL released during long work."""

from __future__ import annotations

import dataclasses
import inspect
import pathlib
import threading
import time

import pandas as pd
import pytest

import patchwork

from conftest import DAY, SSD_TABLES, write_ssd

# Copied by hand from the serialised structs of adapters/src/bin/patchwork/read.rs.
CLI_TEAM_ROW = [
    "involvement_id",
    "professional_id",
    "name",
    "role",
    "role_category",
    "team_id",
    "team",
    "agency_id",
    "agency",
    "start",
    "end",
    "lead",
    "sensitivity",
]
CLI_GAP_ROW = ["child_id", "gap", "status", "reason", "involvement_ids", "professional_id"]
CLI_CASELOAD_ROW = [
    "child_id",
    "involvement_id",
    "role",
    "role_category",
    "start",
    "end",
    "lead",
]


def test_field_names_match_the_command_line(ssd_net: patchwork.Network) -> None:
    team = ssd_net.team_around("M", DAY)
    assert list(team.members[0].to_dict()) == CLI_TEAM_ROW
    assert [f.name for f in dataclasses.fields(patchwork.TeamMember)] == CLI_TEAM_ROW
    assert list(ssd_net.gaps(DAY)[0].to_dict()) == CLI_GAP_ROW
    assert list(ssd_net.caseload("5001", DAY)[0].to_dict()) == CLI_CASELOAD_ROW


def test_to_dict_nests(ssd_net: patchwork.Network) -> None:
    family = ssd_net.family_network("B", DAY).to_dict()
    assert family["child"]["child_id"] == "lcs:B"
    assert family["child"]["members"][0]["professional_id"] == "lcs:5001"
    assert family["relatives"][0]["links"][0]["via"] in ("household", "relationship")
    changes = ssd_net.worker_changes("B", "2024-01-01", "2025-06-01").to_dict()
    assert changes["count"] == 1 and changes["changes"][0]["reason"] == "LEFTRL"


def test_results_are_frozen(ssd_net: patchwork.Network) -> None:
    team = ssd_net.team_around("M", DAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        team.child_id = "lcs:B"  # type: ignore[misc]


def test_to_pandas(ssd_net: patchwork.Network) -> None:
    frame = ssd_net.team_around("M", DAY).to_pandas()
    assert list(frame.columns) == CLI_TEAM_ROW
    assert list(frame["professional_id"]) == ["lcs:5001", "lcs:5002", "lcs:5004"]
    assert pd.api.types.is_datetime64_dtype(frame["start"].dtype)
    assert isinstance(frame["role_category"].dtype, pd.CategoricalDtype)
    assert frame["start"].iloc[0] == pd.Timestamp("2024-03-01") and pd.isna(frame["start"].iloc[2])
    assert list(frame["lead"]) == [True, False, False]
    gaps = ssd_net.gaps(DAY).to_pandas()
    assert list(gaps.columns) == CLI_GAP_ROW and len(gaps) == 1
    timeline = ssd_net.timeline("B").to_pandas()
    assert set(timeline["item"].astype(str)) == {"involvement", "episode", "activity"}
    assert ssd_net.caseload("5005", "2020-01-01").to_pandas().empty
    assert list(ssd_net.components(DAY).to_pandas().columns) == ["person_ids"]
    assert ssd_net.worker_changes("B", "2024-01-01", "2025-06-01").to_pandas()["date"].iloc[0] == pd.Timestamp("2025-02-01")


def test_team_html_is_a_small_escaped_table(tmp_path: pathlib.Path) -> None:
    tables = dict(SSD_TABLES)
    tables["ssd_professionals"] = tables["ssd_professionals"].replace(
        "Alex Example", "<script>alert(1)</script> & Co"
    )
    net = patchwork.Network.from_ssd(write_ssd(tmp_path / "x", tables))
    page = net.team_around("M", DAY)._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert page.startswith("<table>") and page.endswith("</table>")
    assert page.count("<tr>") == 1 + 3, "a header row and one row per member"
    assert "Locality 2 Unit 1" in page and "2024-03-22" in page
    assert "&#9733;" in page, "the lead is starred"


PUBLIC = [
    name
    for name, member in vars(patchwork.Network).items()
    if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, (property, classmethod)))
]


def test_every_function_has_a_docstring() -> None:
    assert {"team_around", "to_networkx", "involvements", "from_ssd", "open"} <= set(PUBLIC)
    for name in PUBLIC:
        doc = inspect.getdoc(getattr(patchwork.Network, name))
        assert doc and len(doc) > 20, name
    assert (inspect.getdoc(patchwork.generate) or "").startswith("A fictional council")
    for cls in (patchwork.Team, patchwork.Gap, patchwork.ArrowTable, patchwork._patchwork.NativeNetwork):
        assert cls.__doc__, cls
    for name in dir(patchwork._patchwork.NativeNetwork):
        if not name.startswith("_"):
            assert getattr(patchwork._patchwork.NativeNetwork, name).__doc__, name


def test_generate_is_deterministic() -> None:
    a = patchwork.generate(sizes=(300, 1200, 40), seed=5)
    b = patchwork.generate(sizes=(300, 1200, 40), seed=5)
    c = patchwork.generate(sizes=(300, 1200, 40), seed=6)
    assert a.involvements().equals(b.involvements())
    assert not a.involvements().equals(c.involvements())
    assert a.person_count == 300 and a.today is not None and a.la_system == "lcs"


def test_generated_store_round_trip(tmp_path: pathlib.Path, small_net: patchwork.Network) -> None:
    store = tmp_path / "s.db"
    small_net.save(store)
    loaded = patchwork.Network.open(store)
    today = small_net.today
    pd.testing.assert_frame_equal(
        loaded.involvements().sort_values("involvement_id", ignore_index=True)[
            ["involvement_id", "person_id", "professional_id", "role", "start", "end"]
        ].astype({"role": str}),
        small_net.involvements().sort_values("involvement_id", ignore_index=True)[
            ["involvement_id", "person_id", "professional_id", "role", "start", "end"]
        ].astype({"role": str}),
    )
    assert loaded.gaps(today) == small_net.gaps(today)


def test_the_gil_is_released_while_generating_and_querying() -> None:
    # While one thread runs a long native call, this thread keeps running Python code.
    done = threading.Event()
    result = {}

    native = patchwork._patchwork.NativeNetwork

    def work() -> None:
        # Only native calls here: any Python code would let the other thread run anyway.
        net = native.generate("S", 3, (30_000, 120_000, 2_000))
        result["table"] = net.involvements_table(None)
        done.set()

    worker = threading.Thread(target=work)
    ticks = 0
    start = time.perf_counter()
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    elapsed = time.perf_counter() - start
    assert len(result["table"]) == 120_000
    # With the GIL held for the whole call, this loop could not run until the call ended
    # (a few ticks at most); released, it ticks about once a millisecond throughout.
    assert elapsed > 0.05
    assert ticks > 10, (ticks, elapsed)
