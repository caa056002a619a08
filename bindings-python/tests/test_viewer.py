"""Reads made as a viewer (``viewer=``, ``policy=``) and the audit entry of every read.

The network is the hand-built SSD extract of conftest.py plus two partner-agency feed rows:

* ``nhs-rxx:P1`` (Robin, health visitor, North Trust) with B since 2025-01-20;
* ``nhs-shc:P9`` (Kit, sexual health, Clinic Trust) with M since 2025-01-06, marked
  ``sensitive_service``.

Worked out by hand under the practice defaults (reads on 2025-03-01; access decided on the
day of the read, when every open involvement below is still open):

* ``lcs:5001`` (Alex, council social worker, team 301) is involved with M and B: M's team
  is 900001 (5001), 900002 (IRO 5002) and the care leavers row CL1 (PA 5004); the sexual
  health row ``nhs-shc:s1`` belongs to another agency (Clinic Trust) and is hidden.
* ``nhs-shc:P9`` is involved with M and of the clinic's agency: M's team includes s1.
* ``lcs:5005`` (early help, S1 only) is not involved with M: M is only "known", with
  Alex Example (team Locality 2 Unit 1) as the lead to contact.
* In the store fixture S2 is shielded: for anyone but a ``shield_broker`` it is "not
  found", worded exactly as an unknown id, although team 302 (5004's team) works with S2.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import sqlite3
import subprocess
from typing import Any, Dict, List, Tuple

import pytest

import patchwork
from patchwork import Known, NotFoundError, StoreError, ValidationError, Viewer

from conftest import DAY, FEED_HEADER, write_ssd

FEED_ROWS = (
    "h1,nhs-rxx,North Trust,health,hv-n,HV North,P1,Robin,HV,,,,B,,2025-01-20,,\n"
    "s1,nhs-shc,Clinic Trust,health,shc,Sexual Health,P9,Kit,SHN,,943 476 5919,,,,"
    "2025-01-06,,sensitive_service\n"
)
M_TEAM = {"lcs:900001", "lcs:900002", "lcs:ssd_care_leavers/CL1"}
SENSITIVE = "nhs-shc:s1"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Tuple[pathlib.Path, pathlib.Path]:
    folder = tmp_path_factory.mktemp("viewer")
    feed = folder / "feed.csv"
    feed.write_text(FEED_HEADER + FEED_ROWS, encoding="utf-8")
    return write_ssd(folder / "ssd"), feed


@pytest.fixture(scope="module")
def net(source: Tuple[pathlib.Path, pathlib.Path]) -> patchwork.Network:
    return patchwork.Network.from_ssd(source[0], agency=source[1])


@pytest.fixture()
def store(net: patchwork.Network, tmp_path: pathlib.Path) -> pathlib.Path:
    """The network saved to a fresh store, with S2 marked shielded."""
    path = tmp_path / "council.db"
    net.save(path)
    with sqlite3.connect(path) as con:
        changed = con.execute("UPDATE persons SET shielded = 1 WHERE key = 'lcs:S2'").rowcount
    assert changed == 1
    return path


def audit_rows(path: pathlib.Path) -> List[Dict[str, Any]]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM audit_log ORDER BY seq")]
    finally:
        con.close()


def chain_is_intact(rows: List[Dict[str, Any]]) -> bool:
    """Recomputes the hash chain as store/audit.rs documents it: SHA-256 of
    ``patchwork-audit-v1`` then each field as its 8-byte big-endian length and its bytes."""
    prev = "0" * 64
    for row in rows:
        if row["prev_hash"] != prev:
            return False
        h = hashlib.sha256(b"patchwork-audit-v1")
        for field in (
            str(row["seq"]),
            row["at"],
            row["actor_kind"],
            row["actor"],
            row["category"],
            row["purpose"],
            row["scope"],
            row["subjects"],
            row["detail"],
            row["prev_hash"],
        ):
            data = field.encode("utf-8")
            h.update(len(data).to_bytes(8, "big"))
            h.update(data)
        if h.hexdigest() != row["hash"]:
            return False
        prev = row["hash"]
    return True


def member_ids(team: Any) -> set:
    assert isinstance(team, patchwork.Team), team
    return {m.involvement_id for m in team.members}


# ---------------------------------------------------------------- who sees what


def test_an_involved_professional_sees_the_team_but_not_another_agencys_sensitive_service(
    net: patchwork.Network,
) -> None:
    assert member_ids(net.team_around("M", DAY)) == M_TEAM | {SENSITIVE}
    assert member_ids(net.team_around("M", DAY, viewer="lcs:5001")) == M_TEAM
    # A bare id is the council's own, as for the queries' arguments.
    assert member_ids(net.team_around("M", DAY, viewer="5001")) == M_TEAM
    # The sexual health service's own agency sees it.
    assert member_ids(net.team_around("M", DAY, viewer="nhs-shc:P9")) == M_TEAM | {SENSITIVE}
    timeline = net.timeline("M", viewer="5001")
    assert not isinstance(timeline, Known)
    assert SENSITIVE not in {t.involvement_id for t in timeline if hasattr(t, "involvement_id")}
    assert all(SENSITIVE not in str(t.to_dict()) for t in timeline)
    assert any(SENSITIVE in str(t.to_dict()) for t in net.timeline("M"))


def test_an_uninvolved_professional_learns_only_that_the_child_is_known_and_whom_to_call(
    net: patchwork.Network,
) -> None:
    known = net.team_around("M", DAY, viewer=Viewer("lcs:5005", purpose="safeguarding"))
    assert isinstance(known, Known)
    assert known.person_id == "lcs:M"
    assert known.route == "lead"
    assert known.professional_id == "lcs:5001"
    assert known.name == "Alex Example"
    assert known.team == "Locality 2 Unit 1"
    assert known.role_category == "allocated_social_worker"
    for answer in (
        net.family_network("M", DAY, viewer="5005"),
        net.timeline("M", viewer="5005"),
        net.worker_changes("M", "2024-01-01", DAY, viewer="5005"),
    ):
        assert isinstance(answer, Known) and answer.person_id == "lcs:M"
    # Their caseload of their own child is theirs to see; M is not on it.
    assert [c.child_id for c in net.caseload("5005", DAY, viewer="5005")] == ["lcs:S1"]
    # A health visitor of B does not see M either.
    assert isinstance(net.team_around("M", DAY, viewer="nhs-rxx:P1"), Known)


def test_a_shielded_child_is_not_found_exactly_like_an_unknown_id(store: pathlib.Path) -> None:
    net = patchwork.Network.open(store)
    # Team 302 (5004's team) works with S2, yet S2 is shielded.
    with pytest.raises(NotFoundError) as shielded:
        net.team_around("S2", DAY, viewer="5004")
    shielded_record = net.last_access_record()
    with pytest.raises(NotFoundError) as unknown:
        net.team_around("NOPE", DAY, viewer="5004")
    unknown_record = net.last_access_record()
    assert str(shielded.value) == str(unknown.value)
    assert "S2" not in str(shielded.value)
    # The viewer cannot tell them apart; the audit trail can.
    assert shielded_record is not None and unknown_record is not None
    assert shielded_record["detail"]["outcome"] == "denied"
    assert shielded_record["detail"]["alerts"] == ["shielded_requested"]
    assert unknown_record["detail"]["outcome"] == "not_found"
    assert shielded_record["subjects"] == unknown_record["subjects"] == []
    # Every query about one person says the same.
    for call in (
        lambda: net.family_network("S2", DAY, viewer="5004"),
        lambda: net.timeline("S2", viewer="5004"),
        lambda: net.worker_changes("S2", "2024-01-01", DAY, viewer="5004"),
    ):
        with pytest.raises(NotFoundError, match="^no person with this key or id$"):
            call()
    # S2 is left out of M's relatives and of the clusters, but is there for an analyst.
    relatives = net.family_network("M", DAY, viewer="5001")
    assert isinstance(relatives, patchwork.FamilyNetwork)
    assert [r.person_id for r in relatives.relatives] == ["lcs:B", "lcs:S1"]
    assert [r.person_id for r in net.family_network("M", DAY).relatives] == [
        "lcs:B",
        "lcs:S1",
        "lcs:S2",
    ]
    assert all("lcs:S2" not in c.person_ids for c in net.components(DAY, viewer="5001"))
    assert any("lcs:S2" in c.person_ids for c in net.components(DAY))
    # The policy's shield broker role may see a shielded child.
    broker = net.team_around("S2", DAY, viewer=Viewer("5004", role="shield_broker"))
    assert member_ids(broker) == {"lcs:900008"}


def test_frames_with_a_viewer_hold_no_hidden_record(store: pathlib.Path) -> None:
    net = patchwork.Network.open(store)
    assert "lcs:S2" in set(net.persons()["person_id"])
    assert SENSITIVE in set(net.involvements()["involvement_id"])
    persons = set(net.persons(viewer="5001")["person_id"])
    assert "lcs:S2" not in persons
    assert {"lcs:M", "lcs:B"} <= persons
    involvements = net.involvements(viewer="5001")
    assert SENSITIVE not in set(involvements["involvement_id"])
    assert "lcs:S2" not in set(involvements["person_id"])
    # S1's early help is 5005's, not 5001's: S1 may show as M's relative, never its work.
    assert set(involvements["person_id"]) == {"lcs:M", "lcs:B"}
    assert "lcs:S2" not in set(net.episodes(viewer="5001")["person_id"])
    table = net.table("relationships", viewer="5001")
    assert table.num_rows >= 1
    # The clinic's worker sees their own service in the frame.
    assert SENSITIVE in set(net.involvements(viewer="nhs-shc:P9")["involvement_id"])


# ---------------------------------------------------------------- the audit trail


def test_every_read_of_a_store_backed_network_appends_one_chained_audit_entry(
    store: pathlib.Path,
) -> None:
    net = patchwork.Network.open(store)
    assert net.audited
    before = len(audit_rows(store))
    reads = [
        lambda: net.team_around("M", DAY, viewer=Viewer("5001", reason="core group")),
        lambda: net.team_around("M", DAY),
        lambda: net.family_network("M", DAY, viewer="5005"),
        lambda: net.caseload("5001", DAY),
        lambda: net.shared_children("5001", "5002", DAY, viewer="5001"),
        lambda: net.connection_path("5001", "5004", DAY, viewer="5001"),
        lambda: net.timeline("B", viewer="5001"),
        lambda: net.worker_changes("B", "2024-01-01", DAY, viewer="5001"),
        lambda: net.gaps(DAY, viewer="5001"),
        lambda: net.components(DAY),
        lambda: net.diff(net, DAY, viewer="5001"),
        lambda: net.persons(viewer="5001"),
        lambda: net.person("M"),
    ]
    for i, read in enumerate(reads, start=1):
        read()
        assert len(audit_rows(store)) == before + i
    # A read that finds nothing is a read too.
    with pytest.raises(NotFoundError):
        net.team_around("S2", DAY, viewer="5001")
    with pytest.raises(NotFoundError):
        net.timeline("NOPE")
    rows = audit_rows(store)[before:]
    assert len(rows) == len(reads) + 2
    assert chain_is_intact(audit_rows(store))

    first = rows[0]
    assert (first["actor_kind"], first["actor"], first["category"]) == (
        "viewer",
        "lcs:5001",
        "consultation",
    )
    assert first["purpose"] == "direct_work: core group"
    assert json.loads(first["subjects"]) == ["lcs:M"]
    detail = json.loads(first["detail"])
    assert detail["action"] == {"query": "team_around", "person": "lcs:M"}
    assert detail["outcome"] == "full"
    assert detail["policy_version"] == "practice-defaults"
    assert detail["viewer"]["reason"] == "core group"

    analyst = rows[1]
    assert analyst["actor_kind"] == "administrative"
    assert analyst["actor"].startswith("python:")
    assert analyst["category"] == "consultation"
    assert json.loads(analyst["detail"])["query"] == "team_around"
    # Whole-network reads are about everyone; a frame is a disclosure.
    assert rows[9]["scope"] == "all"
    assert rows[11]["category"] == "disclosure"
    assert json.loads(rows[2]["detail"])["outcome"] == "existence_only"
    assert json.loads(rows[-2]["detail"])["alerts"] == ["shielded_requested"]
    assert json.loads(rows[-1]["detail"])["outcome"] == "not_found"
    # The entry kept as the last access record is the one written last.
    last = net.last_access_record()
    assert last is not None and last["at"] == rows[-1]["at"]

    # Tampering is detected by our own check and by `patchwork audit verify`.
    cli = pathlib.Path(__file__).resolve().parents[2] / "target" / "debug" / "patchwork"
    if cli.is_file():
        ok = subprocess.run(
            [str(cli), "audit", "verify", "--store", str(store)], capture_output=True
        )
        assert ok.returncode == 0, ok.stderr
    tampered = audit_rows(store)
    tampered[before]["purpose"] = "nothing to see"
    assert not chain_is_intact(tampered)


def test_a_network_without_a_store_keeps_the_access_record_for_its_host(
    net: patchwork.Network,
) -> None:
    assert not net.audited
    net.caseload("5001", DAY, viewer=Viewer("5001", purpose="other: supervision"))
    record = net.last_access_record()
    assert record is not None
    assert record["actor_kind"] == "viewer" and record["actor"] == "lcs:5001"
    assert record["purpose"] == "other: supervision"
    assert sorted(record["subjects"]) == ["lcs:B", "lcs:M"]
    assert record["detail"]["action"] == {"query": "caseload", "professional": "lcs:5001"}
    net.gaps(DAY)
    record = net.last_access_record()
    assert record is not None
    assert record["actor_kind"] == "administrative" and record["all_subjects"] is True
    generated = patchwork.generate(sizes=(50, 150, 10), seed=3)
    assert generated.last_access_record() is None and not generated.audited


def test_an_audit_entry_that_cannot_be_written_shows_nothing(
    store: pathlib.Path,
) -> None:
    net = patchwork.Network.open(store)
    # Take the trail's head away so the append fails (the triggers refuse a delete, so
    # drop them first, as an attacker or a broken disk would).
    with sqlite3.connect(store) as con:
        con.execute("DROP TABLE audit_subjects")
    with pytest.raises(StoreError, match="nothing shown"):
        net.team_around("M", DAY, viewer="5001")


# ---------------------------------------------------------------- bad input


def test_policies_are_applied_and_checked(
    net: patchwork.Network, tmp_path: pathlib.Path
) -> None:
    deny = {"version": "deny-2026-01"}
    with pytest.raises(NotFoundError):
        net.team_around("M", DAY, viewer="5001", policy=deny)
    record = net.last_access_record()
    assert record is not None and record["detail"]["policy_version"] == "deny-2026-01"
    # The same policy as JSON text, and as a file.
    team_only = json.dumps({"version": "v2", "involved_see_team": True})
    assert member_ids(net.team_around("M", DAY, viewer="5001", policy=team_only)) == M_TEAM
    with pytest.raises(NotFoundError):  # no "others see existence": hidden
        net.team_around("M", DAY, viewer="5005", policy=team_only)
    path = tmp_path / "policy.json"
    path.write_text(team_only, encoding="utf-8")
    assert member_ids(net.team_around("M", DAY, viewer="5001", policy=path)) == M_TEAM
    path.write_text('{"version": "v3",\n "involved_see_teams": true}', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"policy\.json: the policy is not valid.*line 2"):
        net.team_around("M", DAY, viewer="5001", policy=str(path))
    with pytest.raises(ValidationError, match="not valid"):
        net.gaps(DAY, viewer="5001", policy="{not json")
    with pytest.raises(ValidationError, match="give viewer="):
        net.gaps(DAY, policy=deny)


def test_viewers_are_checked(net: patchwork.Network) -> None:
    with pytest.raises(NotFoundError, match="viewer: no professional"):
        net.team_around("M", DAY, viewer="lcs:NOBODY")
    with pytest.raises(ValidationError, match="unknown purpose"):
        net.team_around("M", DAY, viewer=Viewer("5001", purpose="curiosity"))
    with pytest.raises(TypeError):
        net.team_around("M", DAY, viewer=5001)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        Viewer(5001)  # type: ignore[arg-type]


def test_the_networkx_graph_with_a_viewer_holds_no_hidden_record(store: pathlib.Path) -> None:
    net = patchwork.Network.open(store)
    before = len(audit_rows(store))
    graph = net.to_networkx(DAY, viewer="5001")
    assert len(audit_rows(store)) == before + 6  # six tables, six reads
    assert ("person", "lcs:M") in graph and ("person", "lcs:S2") not in graph
    edges = {k for _, _, k in graph.edges(keys=True)}
    assert "lcs:900001" in edges and SENSITIVE not in edges
    full = net.to_networkx(DAY)
    assert ("person", "lcs:S2") in full
    assert SENSITIVE in {k for _, _, k in full.edges(keys=True)}


def test_a_search_by_nhs_number_as_a_viewer_never_confirms_a_shielded_child(
    store: pathlib.Path,
) -> None:
    # S2 (shielded) is given M's NHS number, as a duplicate record would have it.
    with sqlite3.connect(store) as con:
        con.execute("UPDATE persons SET nhs_number = '9434765919' WHERE key = 'lcs:S2'")
    net = patchwork.Network.open(store)
    assert sorted(p.person_id for p in net.find_persons(nhs_number="943 476 5919")) == [
        "lcs:M",
        "lcs:S2",
    ]
    involved = net.find_persons(nhs_number="9434765919", viewer="5001")
    assert [type(p).__name__ for p in involved] == ["Person"]
    assert involved[0].person_id == "lcs:M"
    # 5004's team works with S2, and 5004 is M's personal adviser: M in full, S2 left out.
    assert [p.person_id for p in net.find_persons(nhs_number="9434765919", viewer="5004")] == [
        "lcs:M"
    ]
    record = net.last_access_record()
    assert record is not None
    assert record["detail"]["alerts"] == ["shielded_requested"]
    assert record["subjects"] == ["lcs:M"]
    assert "9434765919" not in json.dumps(record)
    uninvolved = net.find_persons(nhs_number="9434765919", viewer="nhs-rxx:P1")
    assert [type(p).__name__ for p in uninvolved] == ["Known"]
    with pytest.raises(ValidationError, match="UPN"):
        net.find_persons(upn="A123456789012", viewer="5001")
