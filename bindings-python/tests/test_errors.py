"""Errors: bad folders and files, bad stores, hostile input; the exception hierarchy."""

from __future__ import annotations

import pathlib
import sqlite3

import pytest

import patchwork
from patchwork import NotFoundError, ParseError, PatchworkError, StoreError, ValidationError

from conftest import SSD_TABLES, write_ssd


def test_hierarchy() -> None:
    for cls, builtin in (
        (ParseError, ValueError),
        (NotFoundError, KeyError),
        (StoreError, OSError),
        (ValidationError, ValueError),
    ):
        assert issubclass(cls, PatchworkError) and issubclass(cls, builtin)
        assert cls.__module__ == "patchwork.exceptions"


def test_a_missing_folder(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(ParseError, match="not a folder") as info:
        patchwork.Network.from_ssd(missing)
    assert info.value.file == str(missing)
    assert (info.value.line, info.value.column) == (None, None)


def test_a_folder_without_persons(tmp_path: pathlib.Path) -> None:
    tables = {k: v for k, v in SSD_TABLES.items() if k != "ssd_person"}
    folder = write_ssd(tmp_path / "x", tables)
    with pytest.raises(ParseError, match="ssd_person.csv is missing"):
        patchwork.Network.from_ssd(folder)


def test_a_missing_required_column_names_file_and_column(tmp_path: pathlib.Path) -> None:
    tables = dict(SSD_TABLES)
    tables["ssd_involvements"] = tables["ssd_involvements"].replace(
        "invo_involvements_id,", "some_other_id,", 1
    )
    folder = write_ssd(tmp_path / "x", tables)
    with pytest.raises(ParseError) as info:
        patchwork.Network.from_ssd(folder)
    err = info.value
    assert pathlib.Path(err.file or "").name == "ssd_involvements.csv"
    assert err.column == "invo_involvements_id"
    assert "required column invo_involvements_id is missing" in str(err)


def test_an_unclosed_quote_names_the_line(tmp_path: pathlib.Path) -> None:
    tables = dict(SSD_TABLES)
    # Line 3 opens a quote that never closes; the rest of the file (20 MB) is one field.
    tables["ssd_professionals"] = (
        tables["ssd_professionals"] + '5006,E1,"Unclosed,,,,,,,\n' + ("x" * 100 + "\n") * 200_000
    )
    folder = write_ssd(tmp_path / "x", tables)
    with pytest.raises(ParseError) as info:
        patchwork.Network.from_ssd(folder)
    err = info.value
    assert pathlib.Path(err.file or "").name == "ssd_professionals.csv"
    assert err.line == 7, "the record starts on line 7 (header + 5 professionals)"


def test_a_bad_agency_feed(tmp_path: pathlib.Path, ssd_dir: pathlib.Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text("record_id,agency_id\nr1,a1\n")
    with pytest.raises(ParseError) as info:
        patchwork.Network.from_ssd(ssd_dir, agency=feed)
    assert pathlib.Path(info.value.file or "").name == "feed.csv"
    assert info.value.column is not None
    with pytest.raises(ParseError):
        patchwork.Network.from_ssd(ssd_dir, agency=tmp_path / "missing.csv")


def test_unknown_flavour(ssd_dir: pathlib.Path) -> None:
    with pytest.raises(ValidationError, match="lcs, mosaic or eclipse"):
        patchwork.Network.from_ssd(ssd_dir, flavour="carefirst")


def test_stores_that_are_not_stores(tmp_path: pathlib.Path) -> None:
    with pytest.raises(StoreError, match="no such store file"):
        patchwork.Network.open(tmp_path / "missing.db")
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        patchwork.Network.open(text)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(StoreError):
        patchwork.Network.open(other)
    assert issubclass(StoreError, OSError)


def test_a_damaged_store(tmp_path: pathlib.Path, ssd_net: patchwork.Network) -> None:
    store = tmp_path / "p.db"
    ssd_net.save(store)
    with sqlite3.connect(store) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert "involvement" in tables or "involvements" in tables, tables
        name = "involvement" if "involvement" in tables else "involvements"
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({name})")]
        date_column = next(c for c in columns if "start" in c)
        conn.execute(f"UPDATE {name} SET {date_column} = 'not a date'")
    with pytest.raises(StoreError, match="not a date|start"):
        patchwork.Network.open(store)


def test_generate_rejects_bad_tiers_and_sizes() -> None:
    with pytest.raises(ValidationError, match="unknown tier"):
        patchwork.generate("XL")
    with pytest.raises(ValidationError):
        patchwork.generate(sizes=(10, -1, 5))
    with pytest.raises(ValueError):
        patchwork.generate(sizes=(10, 5))  # type: ignore[arg-type]


def test_unknown_table(ssd_net: patchwork.Network) -> None:
    with pytest.raises(ValidationError, match="unknown table"):
        ssd_net.table("children")
    with pytest.raises(TypeError):
        ssd_net.table("persons", active_on="2025-01-01")


def test_no_panic_exception_escapes() -> None:
    # Whatever goes wrong inside, what reaches Python is an Exception, never pyo3's
    # PanicException (a BaseException); the guard is tested in Rust (src/guard.rs), here
    # the boundary is exercised with hostile arguments.
    for call in (
        lambda: patchwork.generate(sizes=(0, 0, 0)),
        lambda: patchwork.generate(sizes=(1, 10, 0)),
        lambda: patchwork.generate(sizes=(3, 0, 1)),
    ):
        try:
            call()
        except Exception:
            pass
