"""Whole-network frames: pandas dtypes, values checked by hand, and the Arrow PyCapsule
interface."""

from __future__ import annotations

import datetime

import pandas as pd
import pyarrow as pa
import pytest

import patchwork

from conftest import DAY

DATE = "datetime64[ms]"


def is_date(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_dtype(series.dtype)


def is_category(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.CategoricalDtype)


def is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series.dtype) or series.dtype == object


def test_persons_frame(ssd_net: patchwork.Network) -> None:
    frame = ssd_net.persons()
    assert list(frame["person_id"]) == ["lcs:M", "lcs:B", "lcs:S1", "lcs:S2"]
    for column in ("birth_date", "expected_birth_date", "death_date"):
        assert is_date(frame[column]), column
    for column in ("kind", "sex", "ethnicity", "source_system", "source_file"):
        assert is_category(frame[column]), column
    for column in ("person_id", "given_name", "family_name", "nhs_number", "upn", "postcode"):
        assert is_text(frame[column]), column
    mia = frame.iloc[0]
    assert mia["birth_date"] == pd.Timestamp("2008-05-04")
    assert (mia["nhs_number"], mia["upn"], mia["postcode"]) == (
        "9434765919",
        "A123456789012",
        "ZZ9 9ZZ",
    )
    assert (mia["kind"], mia["sex"], mia["ethnicity"]) == ("child", "female", "WBRI")
    assert pd.isna(frame.iloc[1]["nhs_number"])
    assert pd.isna(mia["death_date"])
    # Provenance: the file and the line of each row (the header is line 1).
    assert frame["source_file"].astype(str).str.endswith("ssd_person.csv").all()
    assert list(frame["source_row"]) == [2, 3, 4, 5]
    assert str(frame["source_row"].dtype) == "UInt64"


def test_professionals_frame(ssd_net: patchwork.Network) -> None:
    frame = ssd_net.professionals().set_index("professional_id")
    assert list(frame.index) == [f"lcs:{n}" for n in range(5001, 5006)]
    assert frame.loc["lcs:5001", "name"] == "Alex Example"
    assert frame.loc["lcs:5001", "team"] == "Locality 2 Unit 1"
    assert pd.isna(frame.loc["lcs:5002", "team_id"]), "no team is called Safeguarding"
    assert frame.loc["lcs:5001", "registration_number"] == "SW123456"
    for column in ("agency_id", "agency", "team_id", "team", "job_title"):
        assert is_category(frame[column]), column
    assert is_date(frame["start"]) and is_date(frame["end"])


def test_involvements_frame(ssd_net: patchwork.Network) -> None:
    frame = ssd_net.involvements()
    assert len(frame) == ssd_net.involvement_count == 7
    for column in ("role", "role_category", "end_reason", "sensitivity", "team_id"):
        assert is_category(frame[column]), column
    assert is_date(frame["start"]) and is_date(frame["end"])
    row = frame.set_index("involvement_id").loc["lcs:900003"]
    assert (row["person_id"], row["professional_id"], row["role"]) == ("lcs:B", "lcs:5003", "CW")
    assert row["role_category"] == "allocated_social_worker"
    assert (row["start"], row["end"]) == (pd.Timestamp("2024-12-01"), pd.Timestamp("2025-02-01"))
    assert row["end_reason"] == "LEFTRL"
    assert is_text(frame["person_id"]) and is_text(frame["professional_id"])
    # In Arrow the ids are dictionaries over every person, professional and team.
    arrow = pa.table(ssd_net.table("involvements"))
    assert arrow.column("person_id").chunk(0).dictionary.to_pylist() == [
        "lcs:M",
        "lcs:B",
        "lcs:S1",
        "lcs:S2",
    ]
    assert arrow.column("professional_id").chunk(0).dictionary.to_pylist() == [
        f"lcs:{n}" for n in range(5001, 5006)
    ]
    assert sorted(frame["team_id"].cat.categories) == ["lcs:301", "lcs:302"]
    assert sorted(frame["person_id"].astype(str)) == sorted(
        ["lcs:M", "lcs:M", "lcs:M", "lcs:B", "lcs:B", "lcs:S1", "lcs:S2"]
    ), "M: 5001, 5002, 5004; B: 5003, 5001; S1: 5005; S2: the team"
    team_only = frame.set_index("involvement_id").loc["lcs:900008"]
    assert pd.isna(team_only["professional_id"]) and team_only["team_id"] == "lcs:302"
    # Active on a day: start <= day < end, worked out from the rows above.
    active = ssd_net.involvements(active_on=DAY)
    expected = frame[
        (frame["start"].isna() | (frame["start"] <= pd.Timestamp(DAY)))
        & (frame["end"].isna() | (frame["end"] > pd.Timestamp(DAY)))
    ]
    assert sorted(active["involvement_id"]) == sorted(expected["involvement_id"])
    assert "lcs:900003" not in set(active["involvement_id"])


def test_episodes_frame(ssd_net: patchwork.Network) -> None:
    frame = ssd_net.episodes().set_index("episode_id")
    assert is_category(frame["kind"]) and is_date(frame["start"]) and is_date(frame["end"])
    plan = frame.loc["lcs:ssd_cp_plans/55"]
    assert plan["kind"] == "child_protection_plan"
    assert plan["category_of_abuse"] == "NEG"
    assert plan["start"] == pd.Timestamp("2025-01-15") and pd.isna(plan["end"])
    cin = frame.loc["lcs:ssd_cin_episodes/700045"]
    assert (cin["primary_need"], cin["referral_source"]) == ("N1", "2A")
    assert set(frame["person_id"]) <= {"lcs:M", "lcs:B", "lcs:S1", "lcs:S2"}


def test_frames_agree_with_counts_and_queries(small_net: patchwork.Network) -> None:
    assert len(small_net.persons()) == small_net.person_count == 600
    assert len(small_net.professionals()) == small_net.professional_count
    assert len(small_net.involvements()) == small_net.involvement_count
    today = small_net.today
    assert today is not None
    active = small_net.involvements(active_on=today)
    per_child = active.groupby("person_id").size()
    for person_id in small_net.persons()["person_id"][:200]:
        team = small_net.team_around(person_id, today)
        assert len(team) == per_child.get(person_id, 0), person_id
        assert sorted(m.involvement_id for m in team.members) == sorted(
            active.loc[active["person_id"] == person_id, "involvement_id"]
        )


def test_arrow_tables_through_the_pycapsule_interface(small_net: patchwork.Network) -> None:
    table = small_net.table("involvements")
    assert isinstance(table, patchwork.ArrowTable)
    assert len(table) == table.num_rows == small_net.involvement_count
    arrow = pa.table(table)  # pyarrow reads __arrow_c_stream__
    assert arrow.column_names == table.column_names
    assert arrow.schema.field("start").type == pa.date32()
    assert arrow.schema.field("role_category").type == pa.dictionary(pa.int32(), pa.string())
    assert arrow.schema.field("involvement_id").type == pa.string()
    assert arrow.schema.field("person_id").type == pa.dictionary(pa.int32(), pa.string())
    # The same data as the pandas frame.
    frame = small_net.involvements()
    assert arrow.column("involvement_id").to_pylist() == list(frame["involvement_id"])
    # The schema capsule, and a stream read as a RecordBatchReader.
    assert pa.schema(table) == arrow.schema
    reader = pa.RecordBatchReader.from_stream(table)
    assert reader.read_all().num_rows == table.num_rows
    # A table can be exported any number of times.
    assert pa.table(table).equals(arrow)
    capsule = table.__arrow_c_stream__()
    assert type(capsule).__name__ == "PyCapsule"
    del capsule  # an unconsumed stream is released by the capsule


@pytest.mark.parametrize(
    "name",
    [
        "persons",
        "professionals",
        "involvements",
        "episodes",
        "relationships",
        "household_members",
        "teams",
        "agencies",
    ],
)
def test_every_table_exports(small_net: patchwork.Network, name: str) -> None:
    table = small_net.table(name)
    arrow = pa.table(table)
    assert arrow.num_rows == len(table) > 0
    for field in arrow.schema:
        if field.name in ("start", "end") or field.name.endswith("_date"):
            assert field.type == pa.date32(), field


def test_relationships_and_households_active_on_a_day(ssd_net: patchwork.Network) -> None:
    rel = pa.table(ssd_net.table("relationships")).to_pylist()
    assert [(r["from_id"], r["to_id"], r["kind"]) for r in rel] == [("lcs:M", "lcs:B", "parent")]
    members = pa.table(ssd_net.table("household_members", active_on=DAY)).to_pylist()
    assert sorted(m["person_id"] for m in members) == ["lcs:B", "lcs:M", "lcs:S1", "lcs:S2"]
    assert {m["household_id"] for m in members} == {"lcs:88"}
    assert members[0]["start"] is None or isinstance(members[0]["start"], datetime.date)
