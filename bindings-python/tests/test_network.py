"""Every query of patchwork.Network on the hand-worked SSD extract (see conftest.py)."""

from __future__ import annotations

import datetime
import pathlib

import pytest

import patchwork
from patchwork import NotFoundError, ValidationError

from conftest import DAY, FEED_HEADER, SSD_TABLES, write_ssd

d = datetime.date


def members(team: patchwork.Team) -> list:
    return [(m.professional_id, m.role, m.role_category, m.start, m.lead) for m in team.members]


def test_keys_and_the_council_system(ssd_net: patchwork.Network) -> None:
    assert ssd_net.la_system == "lcs"
    assert ssd_net.today is None
    assert (ssd_net.person_count, ssd_net.professional_count) == (4, 5)
    # 900001-900004, 900008 from ssd_involvements, plus the early help and care leaver workers.
    assert ssd_net.involvement_count == 7
    assert repr(ssd_net) == (
        "<patchwork.Network: 4 persons, 5 professionals, 7 involvements>"
    )


def test_team_around_a_looked_after_child(ssd_net: patchwork.Network) -> None:
    team = ssd_net.team_around("M", DAY)
    assert team.child_id == "lcs:M" and team.as_of == DAY
    assert team.lead_basis == "allocated_social_worker"
    assert members(team) == [
        ("lcs:5001", "CW", "allocated_social_worker", d(2024, 3, 1), True),
        ("lcs:5002", "IRO", "independent_reviewing_officer", d(2024, 3, 22), False),
        ("lcs:5004", "PA", "personal_adviser", None, False),
    ]
    alex = team.members[0]
    assert alex.name == "Alex Example"
    assert (alex.team_id, alex.team) == ("lcs:301", "Locality 2 Unit 1")
    assert alex.end is None, "1900-01-01 means open"
    assert team.members[2].team == "Leaving Care"
    assert team.lead is alex and team.leads == [alex]
    assert len(team) == 3


def test_the_same_team_by_key_person_and_string_date(ssd_net: patchwork.Network) -> None:
    by_id = ssd_net.team_around("M", DAY)
    assert ssd_net.team_around("lcs:M", "2025-03-01") == by_id
    assert ssd_net.team_around(ssd_net.person("M"), DAY) == by_id


def test_handover_between_social_workers(ssd_net: patchwork.Network) -> None:
    before = ssd_net.team_around("B", "2025-01-31")
    after = ssd_net.team_around("B", "2025-02-01")  # periods are half-open: [start, end)
    assert members(before) == [("lcs:5003", "CW", "allocated_social_worker", d(2024, 12, 1), True)]
    assert members(after) == [("lcs:5001", "CW", "allocated_social_worker", d(2025, 2, 1), True)]
    changes = ssd_net.worker_changes("B", "2024-04-01", "2025-04-01")
    assert changes.count == 1
    change = changes.changes[0]
    assert change.date == d(2025, 2, 1)
    assert (change.previous_professional_id, change.next_professional_id) == ("lcs:5003", "lcs:5001")
    assert (change.previous_involvement_id, change.next_involvement_id) == ("lcs:900003", "lcs:900004")
    assert change.reason == "LEFTRL"
    assert ssd_net.worker_changes("B", "2025-02-02", "2025-04-01").count == 0


def test_lead_practitioner_and_team_only_involvements(ssd_net: patchwork.Network) -> None:
    s1 = ssd_net.team_around("S1", DAY)
    assert s1.lead_basis == "lead_practitioner_role"
    assert members(s1) == [("lcs:5005", "EARLY_HELP", "lead_practitioner", d(2025, 2, 1), True)]
    s2 = ssd_net.team_around("S2", DAY)
    assert s2.lead_basis == "none" and s2.lead is None
    assert members(s2) == [(None, "KASCHO", "other", d(2025, 1, 1), False)]
    assert s2.members[0].team == "Leaving Care"
    # Nobody is involved with S1 before the early help episode.
    assert len(ssd_net.team_around("S1", "2025-01-31")) == 0


def test_family_network(ssd_net: patchwork.Network) -> None:
    family = ssd_net.family_network("B", DAY)
    assert family.child == ssd_net.team_around("B", DAY)
    summary = [(r.person_id, sorted(link.via for link in r.links)) for r in family.relatives]
    assert summary == [
        ("lcs:M", ["household", "relationship"]),
        ("lcs:S1", ["household"]),
        ("lcs:S2", ["household"]),
    ]
    mother = family.relatives[0]
    rel = next(link for link in mother.links if link.via == "relationship")
    assert (rel.from_id, rel.kind, rel.to_id) == ("lcs:M", "parent", "lcs:B")
    assert mother.name == "Mia Example"
    assert mother.team == ssd_net.team_around("M", DAY)


def test_caseload_shared_children_and_connection_path(ssd_net: patchwork.Network) -> None:
    caseload = ssd_net.caseload("5001", DAY)
    assert sorted((c.child_id, c.involvement_id, c.lead) for c in caseload) == [
        ("lcs:B", "lcs:900004", True),
        ("lcs:M", "lcs:900001", True),
    ]
    assert ssd_net.caseload("lcs:5001", "2024-02-29") == []
    shared = ssd_net.shared_children("5001", "5002", DAY)
    assert [p.person_id for p in shared] == ["lcs:M"]
    assert ssd_net.shared_children("5001", "5005", DAY) == []
    # 5002 - M - 5001 - B: before 2025-02-01, 5003 held B, so 5002 reaches 5003 only
    # through... nobody: 5003 has B alone, and B's other worker started on 2025-02-01.
    path = ssd_net.connection_path("5002", "5001", DAY)
    assert path is not None
    assert path.professional_ids == ["lcs:5002", "lcs:5001"] and path.child_ids == ["lcs:M"]
    assert len(path) == 1
    assert ssd_net.connection_path("5002", "5003", "2025-01-20") is None
    assert ssd_net.connection_path("5002", "5005", DAY) is None


def test_timeline(ssd_net: patchwork.Network) -> None:
    items = [(e.item, e.id, e.kind, e.start) for e in ssd_net.timeline("B")]
    # Two involvements, the CIN episode and CP plan, the referral and the conference.
    assert ("involvement", "lcs:900003", "allocated_social_worker", d(2024, 12, 1)) in items
    assert ("involvement", "lcs:900004", "allocated_social_worker", d(2025, 2, 1)) in items
    assert ("episode", "lcs:ssd_cp_plans/55", "child_protection_plan", d(2025, 1, 15)) in items
    kinds = sorted(e.item for e in ssd_net.timeline("B"))
    assert kinds.count("involvement") == 2
    assert kinds.count("activity") == 2, "the referral and the ICPC, both by 5003"
    starts = [e.start for e in ssd_net.timeline("B") if e.start is not None]
    assert starts == sorted(starts)


def test_gaps_and_components(ssd_net: patchwork.Network) -> None:
    gaps = ssd_net.gaps(DAY)
    assert [(g.child_id, g.gap, g.status) for g in gaps] == [
        ("lcs:B", "no_health_professional", None)
    ]
    assert gaps[0].reason == "on a child protection plan with no health professional involved"
    clusters = ssd_net.components(DAY)
    assert [sorted(c.person_ids) for c in clusters] == [["lcs:B", "lcs:M", "lcs:S1", "lcs:S2"]]


def test_lookup_by_the_councils_identifiers(ssd_net: patchwork.Network) -> None:
    mia = ssd_net.person(nhs_number="943 476 5919")
    assert mia.person_id == "lcs:M"
    assert (mia.given_name, mia.family_name, mia.birth_date) == ("Mia", "Example", d(2008, 5, 4))
    assert (mia.nhs_number, mia.upn, mia.kind) == ("9434765919", "A123456789012", "child")
    assert ssd_net.person(upn="a123456789012") == mia
    assert ssd_net.person("M") == mia and ssd_net.person("lcs:M") == mia
    assert ssd_net.find_persons(nhs_number="4010232137") == []
    with pytest.raises(NotFoundError):
        ssd_net.person(nhs_number="4010232137")
    with pytest.raises(ValidationError, match="check digit"):
        ssd_net.person(nhs_number="9434765918")
    with pytest.raises(TypeError):
        ssd_net.person("M", upn="A123456789012")
    # B's NHS number row was invalid and quarantined: B has none.
    assert ssd_net.person("B").nhs_number is None


def test_problems_name_file_line_and_column(
    ssd_net: patchwork.Network, ssd_dir: pathlib.Path
) -> None:
    quarantined = [
        (pathlib.Path(p.file).name, p.line, p.column, p.kind)
        for p in ssd_net.problems()
        if p.severity == "quarantined"
    ]
    assert quarantined == [
        ("ssd_linked_identifiers.csv", 3, "link_identifier_value", "invalid_nhs_number"),
        ("ssd_involvements.csv", 6, None, "unknown_reference"),
        ("ssd_involvements.csv", 7, "invo_involvement_start_date", "bad_date"),
        ("ssd_involvements.csv", 8, "invo_involvement_end_date", "end_before_start"),
        ("ssd_involvements.csv", 9, None, "duplicate_id"),
    ]
    bad_date = ssd_net.problems()[
        [p.line for p in ssd_net.problems()].index(7)
    ]
    assert str(bad_date).startswith(
        f"{ssd_dir / 'ssd_involvements.csv'}:7 [invo_involvement_start_date]: "
    )
    for p in ssd_net.problems():
        assert "943476591" not in p.message


def test_system_option_and_agency_feed(tmp_path: pathlib.Path, ssd_dir: pathlib.Path) -> None:
    feed = tmp_path / "health.csv"
    feed.write_text(
        FEED_HEADER
        # Matched by NHS number to M; by LA id to B (a health visitor ends B's gap).
        + "r1,nhs-rxx,North Trust,health,hv-n,HV North,P1,Robin,HV,,943 476 5919,,,,2025-01-06,,\n"
        + "r2,nhs-rxx,North Trust,health,hv-n,HV North,P1,Robin,HV,,,,B,,2025-01-20,,\n"
    )
    net = patchwork.Network.from_ssd(ssd_dir, agency=feed, system="la")
    assert net.la_system == "la"
    assert net.person("M").person_id == "la:M"
    roles = [(m.involvement_id, m.role_category) for m in net.team_around("B", DAY).members]
    assert ("nhs-rxx:r2", "health_visitor") in roles
    assert net.gaps(DAY) == []
    m_team = net.team_around("la:M", DAY)
    assert "nhs-rxx:r1" in [m.involvement_id for m in m_team.members]
    assert m_team.members[-1].agency == "North Trust" or any(
        m.agency == "North Trust" for m in m_team.members
    )
    # A list of feeds works as well as a single path.
    again = patchwork.Network.from_ssd(ssd_dir, agency=[str(feed)], system="la")
    assert again.team_around("B", DAY) == net.team_around("B", DAY)


def test_diff_names_the_new_involvement(tmp_path: pathlib.Path, ssd_net: patchwork.Network) -> None:
    tables = dict(SSD_TABLES)
    tables["ssd_involvements"] += "900009,5004,PA,302,S1,2025-02-15,,,,x\n"
    newer = patchwork.Network.from_ssd(write_ssd(tmp_path / "newer", tables))
    events = newer.diff(ssd_net, DAY)
    assert [e.to_dict() for e in events] == [
        {
            "event": "involvement_started",
            "involvement": "lcs:900009",
            "person": "lcs:S1",
            "professional": "lcs:5004",
            "team": "lcs:302",
            "role": "personal_adviser",
            "start": d(2025, 2, 15),
        }
    ]
    assert events[0].event == "involvement_started" and events[0].end is None
    back = ssd_net.diff(newer, DAY)
    assert [(e.event, e.involvement) for e in back] == [("involvement_removed", "lcs:900009")]
    assert ssd_net.diff(ssd_net, DAY) == []
    frame = events.to_pandas()
    assert list(frame["event"]) == ["involvement_started"]


def test_store_round_trip(tmp_path: pathlib.Path, ssd_net: patchwork.Network) -> None:
    store = tmp_path / "patchwork.db"
    ssd_net.save(store)
    loaded = patchwork.Network.open(store)
    assert loaded.la_system == "lcs", "found from the council agency the importer made"
    for child in ("M", "B", "S1", "S2"):
        assert loaded.team_around(child, DAY) == ssd_net.team_around(child, DAY)
    assert loaded.gaps(DAY) == ssd_net.gaps(DAY)
    assert loaded.person(nhs_number="9434765919").person_id == "lcs:M"
    assert loaded.problems() == [], "the import's problems are not kept in the store"


def test_unknown_people_raise_not_found(ssd_net: patchwork.Network) -> None:
    for call in (
        lambda: ssd_net.team_around("NOBODY", DAY),
        lambda: ssd_net.family_network("lcs:NOBODY", DAY),
        lambda: ssd_net.timeline("X"),
        lambda: ssd_net.worker_changes("X", DAY),
        lambda: ssd_net.caseload("9999", DAY),
        lambda: ssd_net.shared_children("5001", "9999", DAY),
        lambda: ssd_net.connection_path("9999", "5001", DAY),
        lambda: ssd_net.person("lcs:5001"),  # a professional's key is not a person's
    ):
        with pytest.raises(NotFoundError) as info:
            call()
        assert isinstance(info.value, KeyError)
        message = str(info.value)
        assert message.startswith("no ") and "with this key or id" in message, message
        assert "NOBODY" not in message and "9999" not in message, "the id is not repeated"


@pytest.mark.parametrize("bad", ["2025-13-01", "01/03/2025", "2025-3-1", "yesterday", ""])
def test_bad_dates_raise_validation_error(ssd_net: patchwork.Network, bad: str) -> None:
    with pytest.raises(ValidationError):
        ssd_net.team_around("M", bad)


def test_dates_of_other_types(ssd_net: patchwork.Network) -> None:
    with pytest.raises(TypeError, match="not a datetime"):
        ssd_net.gaps(datetime.datetime(2025, 3, 1, 12, 0))
    with pytest.raises(TypeError):
        ssd_net.gaps(20250301)  # type: ignore[arg-type]
    # None is today.
    assert ssd_net.team_around("S2", None).as_of == datetime.date.today()
