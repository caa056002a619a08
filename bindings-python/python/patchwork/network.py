"""The :class:`Network`: loading, lookups, queries, frames and networkx export.

The work is done in Rust (``patchwork._patchwork.NativeNetwork``) with the GIL released;
this module turns its answers into typed results (:mod:`patchwork.results`), pandas
frames and networkx graphs.
"""

from __future__ import annotations

import datetime
import os
import re
from typing import TYPE_CHECKING, Iterable, List, Optional, Sequence, Union

from patchwork import _patchwork
from patchwork._patchwork import ArrowTable
from patchwork.exceptions import NotFoundError, ValidationError
from patchwork.results import (
    CaseloadEntry,
    ChangeEvent,
    ConnectionPath,
    FamilyCluster,
    FamilyNetwork,
    Gap,
    Person,
    Problem,
    ResultList,
    Team,
    TimelineEntry,
    WorkerChanges,
    _list,
)

if TYPE_CHECKING:  # pragma: no cover
    import networkx as _networkx  # type: ignore[import-untyped, unused-ignore]
    import pandas as _pandas  # type: ignore[import-untyped, unused-ignore]

__all__ = ["DateLike", "Network", "PathLike", "generate"]

#: A date as ``datetime.date``, an ISO ``YYYY-MM-DD`` string, or ``None`` for today.
DateLike = Union[datetime.date, str, None]
#: A file or folder path.
PathLike = Union[str, "os.PathLike[str]"]
#: A person or professional: their key (``lcs:100234``), the council's own id (``100234``),
#: or a result naming them.
_Who = Union[str, Person]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_TABLES = (
    "persons",
    "professionals",
    "involvements",
    "episodes",
    "relationships",
    "household_members",
    "teams",
    "agencies",
)


# Columns of the Arrow tables that are dictionary-encoded for speed but handed to pandas as
# plain strings.
_PLAIN_IDS = {"involvements": ("person_id", "professional_id")}


def _date(value: DateLike, name: str = "as_of") -> datetime.date:
    """``value`` as a date: a date as it is, an ISO string parsed, ``None`` as today."""
    if value is None:
        return datetime.date.today()
    if isinstance(value, datetime.datetime):
        raise TypeError(f"{name} must be a date, not a datetime (use .date())")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not _ISO_DATE.fullmatch(text):
            raise ValidationError(f"{name} must be an ISO date YYYY-MM-DD, got {value!r}")
        try:
            return datetime.date.fromisoformat(text)
        except ValueError as e:
            raise ValidationError(f"{name} is not a valid date: {e}") from None
    raise TypeError(f"{name} must be a datetime.date, an ISO date string or None")


def _who(value: _Who, what: str) -> str:
    if isinstance(value, Person):
        return value.person_id
    if isinstance(value, str):
        return value
    raise TypeError(f"{what} must be a key or id string, or a Person")


class Network:
    """The network of professionals around children and families.

    Make one with :meth:`from_ssd` (an SSD extract and partner-agency feeds),
    :meth:`open` (a Patchwork store) or :func:`patchwork.generate` (fictional data).

    Persons and professionals are named by their key (``lcs:100234``) or by the council's
    own id (``100234``, the LA person id); :meth:`person` also finds a person by NHS
    number or UPN. Internal indices never appear.

    >>> net = generate(sizes=(200, 800, 60), seed=1)
    >>> team = net.team_around("lcs:1000000", as_of=net.today)
    >>> team.child_id
    'lcs:1000000'
    """

    __slots__ = ("_native",)

    def __init__(self, native: _patchwork.NativeNetwork) -> None:
        """Wrap a native network; use the constructors instead."""
        if not isinstance(native, _patchwork.NativeNetwork):
            raise TypeError("use Network.from_ssd, Network.open or patchwork.generate")
        self._native = native

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_ssd(
        cls,
        path: PathLike,
        agency: Union[PathLike, Sequence[PathLike], None] = None,
        *,
        system: Optional[str] = None,
        flavour: str = "lcs",
    ) -> "Network":
        """Import a Standard Safeguarding Dataset extract: a folder of ``ssd_*.csv``
        files from Liquidlogic LCS, Mosaic or Eclipse (``flavour``), then each
        partner-agency feed file in ``agency`` (one path or a list), matched to children
        by NHS number, UPN or LA person id.

        Keys are ``<system>:<id>``; ``system`` defaults to the flavour's name. Rows with
        problems are left out and listed by :meth:`problems`. A file that cannot be read
        at all raises :class:`patchwork.ParseError` with ``file``, ``line`` and
        ``column``. The GIL is released while files are read.
        """
        if agency is None:
            feeds: List[str] = []
        elif isinstance(agency, (str, os.PathLike)):
            feeds = [os.fspath(agency)]
        else:
            feeds = [os.fspath(a) for a in agency]
        native = _patchwork.NativeNetwork.from_ssd(os.fspath(path), feeds, system, flavour)
        return cls(native)

    @classmethod
    def open(cls, store_path: PathLike) -> "Network":
        """Load the network saved in a Patchwork store (the SQLite file that
        ``patchwork import`` keeps). Raises :class:`patchwork.StoreError` when the file is
        missing, not a store, or damaged."""
        return cls(_patchwork.NativeNetwork.open(os.fspath(store_path)))

    def save(self, store_path: PathLike) -> None:
        """Save the whole network to a Patchwork store (created if absent), replacing what
        it held. Raises :class:`patchwork.StoreError` on failure."""
        self._native.save(os.fspath(store_path))

    # ------------------------------------------------------------------ about the network

    @property
    def la_system(self) -> Optional[str]:
        """The key namespace of the council's case system (``lcs``), used for bare ids."""
        return self._native.la_system

    @property
    def today(self) -> Optional[datetime.date]:
        """For generated data, the date the data describes; ``None`` otherwise."""
        return self._native.today

    @property
    def person_count(self) -> int:
        """The number of persons."""
        return self._native.counts()[0]

    @property
    def professional_count(self) -> int:
        """The number of professionals."""
        return self._native.counts()[1]

    @property
    def involvement_count(self) -> int:
        """The number of involvements (active or ended)."""
        return self._native.counts()[2]

    def __repr__(self) -> str:
        """A one-line summary with the record counts."""
        persons, professionals, involvements = self._native.counts()
        return (
            f"<patchwork.Network: {persons} persons, {professionals} professionals, "
            f"{involvements} involvements>"
        )

    def problems(self) -> ResultList[Problem]:
        """The problems found by the import that made this network (rows left out, unknown
        codes, missing tables...), each with file, line and column."""
        return _list(Problem, self._native.problems())

    # ------------------------------------------------------------------ lookups

    def person(
        self,
        key: Optional[str] = None,
        *,
        nhs_number: Optional[str] = None,
        upn: Optional[str] = None,
    ) -> Person:
        """The person with this key or LA person id, NHS number or UPN (give exactly
        one).

        Raises :class:`patchwork.NotFoundError` when nobody matches,
        :class:`patchwork.ValidationError` when the NHS number or UPN is not valid or
        when more than one person has it (resolve it with :meth:`find_persons`).
        """
        given = [v is not None for v in (key, nhs_number, upn)]
        if sum(given) != 1:
            raise TypeError("give exactly one of key, nhs_number or upn")
        if key is not None:
            return Person(**self._native.person(_who(key, "key")))
        found = self.find_persons(nhs_number=nhs_number, upn=upn)
        what = "NHS number" if nhs_number is not None else "UPN"
        if not found:
            raise NotFoundError(f"no person with this {what}")
        if len(found) > 1:
            raise ValidationError(
                f"{len(found)} persons have this {what}; use find_persons to choose"
            )
        return found[0]

    def find_persons(
        self, *, nhs_number: Optional[str] = None, upn: Optional[str] = None
    ) -> ResultList[Person]:
        """Every person with this NHS number or UPN (validated first; give one)."""
        if (nhs_number is None) == (upn is None):
            raise TypeError("give exactly one of nhs_number or upn")
        if nhs_number is not None:
            return _list(Person, self._native.persons_with_nhs_number(nhs_number))
        assert upn is not None
        return _list(Person, self._native.persons_with_upn(upn))

    # ------------------------------------------------------------------ queries

    def team_around(self, child: _Who, as_of: DateLike = None) -> Team:
        """The team around a person on ``as_of``: every involvement active that day
        (start <= as_of < end), leads first, with the lead practitioner marked: the
        allocated social worker of a child with an open CIN, CP or CLA episode, else a
        lead practitioner role, else nobody. In a notebook it shows as a table."""
        return Team._from(self._native.team_around(_who(child, "child"), _date(as_of)))

    def family_network(self, child: _Who, as_of: DateLike = None) -> FamilyNetwork:
        """A child's family network on ``as_of``: the child's team, and each household
        member or directly related person with how they are linked and their own team."""
        return FamilyNetwork._from(
            self._native.family_network(_who(child, "child"), _date(as_of))
        )

    def caseload(self, professional: str, as_of: DateLike = None) -> ResultList[CaseloadEntry]:
        """The children a professional is involved with on ``as_of``."""
        return _list(
            CaseloadEntry,
            self._native.caseload(_who(professional, "professional"), _date(as_of)),
        )

    def shared_children(self, a: str, b: str, as_of: DateLike = None) -> ResultList[Person]:
        """The children both professionals are involved with on ``as_of``."""
        return _list(Person, self._native.shared_children(a, b, _date(as_of)))

    def connection_path(
        self, a: str, b: str, as_of: DateLike = None
    ) -> Optional[ConnectionPath]:
        """The shortest chain of shared children linking two professionals on ``as_of``
        (professional - child - professional ...), or ``None`` when they are not
        connected."""
        path = self._native.connection_path(a, b, _date(as_of))
        return None if path is None else ConnectionPath(**path)

    def timeline(self, person: _Who) -> ResultList[TimelineEntry]:
        """Everything recorded about a person over time, by start date: involvements,
        episodes and activities (assessments, S47 enquiries, conferences...)."""
        return _list(TimelineEntry, self._native.timeline(_who(person, "person")))

    def worker_changes(
        self, child: _Who, start: DateLike, end: DateLike = None
    ) -> WorkerChanges:
        """The changes of allocated social worker of a child from ``start`` to ``end``
        (default today)."""
        return WorkerChanges._from(
            self._native.worker_changes(
                _who(child, "child"), _date(start, "start"), _date(end, "end")
            )
        )

    def gaps(self, as_of: DateLike = None) -> ResultList[Gap]:
        """Every gap on ``as_of``: children on a plan or looked after with no allocated
        social worker, on a plan with no health professional, involved with a
        professional who has left, or with more than one lead."""
        return _list(Gap, self._native.gaps(_date(as_of)))

    def components(self, as_of: DateLike = None) -> ResultList[FamilyCluster]:
        """The family clusters on ``as_of``: persons linked by households and
        relationships, largest first."""
        return _list(FamilyCluster, self._native.components(_date(as_of)))

    def diff(self, older: "Network", as_of: DateLike = None) -> ResultList[ChangeEvent]:
        """The change events from ``older`` to this network, with leads taken on
        ``as_of``: who joined, who left, who leads now."""
        if not isinstance(older, Network):
            raise TypeError("older must be a patchwork.Network")
        events = self._native.diff(older._native, _date(as_of))
        return ResultList(ChangeEvent._from(e) for e in events)

    # ------------------------------------------------------------------ frames

    def table(self, name: str, active_on: DateLike = None) -> ArrowTable:
        """A whole-network table as Arrow, for pyarrow, polars or duckdb without copies
        through Python objects (it has ``__arrow_c_stream__``).

        ``name`` is one of ``persons``, ``professionals``, ``involvements``,
        ``episodes``, ``relationships``, ``household_members``, ``teams``, ``agencies``.
        ``active_on`` (for involvements, relationships and household members) keeps only
        the rows active that day; ``None`` keeps every row. In the involvements table,
        ``person_id``, ``professional_id`` and ``team_id`` are dictionary-encoded, with
        every person's (professional's, team's) key as the dictionary.
        """
        if name not in _TABLES:
            raise ValidationError(f"unknown table {name!r}: expected one of {', '.join(_TABLES)}")
        build = getattr(self._native, f"{name}_table")
        if name in ("involvements", "relationships", "household_members"):
            day = None if active_on is None else _date(active_on, "active_on")
            return build(day)  # type: ignore[no-any-return]
        if active_on is not None:
            raise TypeError(f"the {name} table has no active_on")
        return build()  # type: ignore[no-any-return]

    def _frame(self, name: str, active_on: DateLike = None) -> "_pandas.DataFrame":
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]
        import pyarrow  # type: ignore[import-untyped, unused-ignore]

        arrow = pyarrow.table(self.table(name, active_on))
        # Ids with as many distinct values as there are persons are plain strings in pandas
        # (as in the persons frame, so that merges on them match): decoding the dictionary
        # in Arrow is much cheaper than a categorical with a million categories.
        for column in _PLAIN_IDS.get(name, ()):
            i = arrow.schema.get_field_index(column)
            arrow = arrow.set_column(i, column, arrow.column(i).cast(pyarrow.string()))
        # Row numbers stay integers with missing values (not floats); dates become
        # datetime64; dictionary columns become categoricals.
        nullable_ints = {pyarrow.uint64(): pd.UInt64Dtype()}
        return arrow.to_pandas(date_as_object=False, types_mapper=nullable_ints.get)

    def persons(self) -> "_pandas.DataFrame":
        """Every person as a pandas DataFrame: ``person_id``, ``kind`` (categorical),
        names, ``birth_date`` / ``expected_birth_date`` / ``death_date`` (datetime64),
        ``sex`` and ``ethnicity`` (categorical), ``nhs_number``, ``upn``, ``postcode``,
        and provenance (``source_system``, ``source_file``, ``source_row``)."""
        return self._frame("persons")

    def professionals(self) -> "_pandas.DataFrame":
        """Every professional as a pandas DataFrame: ``professional_id``, ``name``,
        ``job_title``, ids, ``agency_id``/``agency`` and ``team_id``/``team``
        (categorical), contact, ``start``/``end`` in post (datetime64), provenance."""
        return self._frame("professionals")

    def involvements(self, active_on: DateLike = None) -> "_pandas.DataFrame":
        """Every involvement (or those active on ``active_on``) as a pandas DataFrame:
        ``involvement_id``, ``person_id``, ``professional_id``; ``team_id``, ``role`` and
        ``role_category`` (categorical), ``start``/``end`` (datetime64),
        ``end_reason`` and ``sensitivity`` (categorical), provenance."""
        return self._frame("involvements", active_on)

    def episodes(self) -> "_pandas.DataFrame":
        """Every episode as a pandas DataFrame: ``episode_id``, ``person_id``, ``kind``
        (categorical), ``start``/``end`` (datetime64), the codes of each kind (category of
        abuse, legal status, placement, primary need, referral source, closure reason;
        categorical), ``reason``, provenance."""
        return self._frame("episodes")

    # ------------------------------------------------------------------ networkx

    def to_networkx(self, as_of: DateLike = None) -> "_networkx.MultiGraph":
        """The network on ``as_of`` as a ``networkx.MultiGraph``.

        Nodes are ``("person", key)``, ``("professional", key)``, ``("team", key)`` and
        ``("household", key)`` with a ``kind`` attribute (and ``name``, ``person_kind``).
        Edges, each keyed by its record's key, are the involvements active on ``as_of``
        (professional, or team for a team-only involvement, to person; ``kind`` is
        ``involvement``, with ``role``, ``role_category``, ``start``, ``end``), the
        relationships active then (person to person, ``kind`` ``relationship``, with
        ``relationship``) and the household memberships active then (``kind``
        ``household_member``).
        """
        import networkx as nx  # type: ignore[import-untyped, unused-ignore]
        import pyarrow  # type: ignore[import-untyped, unused-ignore]

        day = _date(as_of)
        graph = nx.MultiGraph(as_of=day)
        persons = pyarrow.table(self.table("persons"))
        names = [
            " ".join(p for p in parts if p) or None
            for parts in zip(
                persons["given_name"].to_pylist(), persons["family_name"].to_pylist()
            )
        ]
        graph.add_nodes_from(
            (("person", key), {"kind": "person", "person_kind": kind, "name": name})
            for key, kind, name in zip(
                persons["person_id"].to_pylist(), persons["kind"].to_pylist(), names
            )
        )
        pros = pyarrow.table(self.table("professionals"))
        graph.add_nodes_from(
            (("professional", key), {"kind": "professional", "name": name})
            for key, name in zip(pros["professional_id"].to_pylist(), pros["name"].to_pylist())
        )
        teams = pyarrow.table(self.table("teams"))
        graph.add_nodes_from(
            (("team", key), {"kind": "team", "name": name})
            for key, name in zip(teams["team_id"].to_pylist(), teams["name"].to_pylist())
        )
        inv = pyarrow.table(self.table("involvements", day)).to_pydict()
        graph.add_edges_from(
            (
                ("professional", pro) if pro is not None else ("team", team),
                ("person", person),
                key,
                {
                    "kind": "involvement",
                    "role": role,
                    "role_category": category,
                    "start": start,
                    "end": end,
                },
            )
            for key, person, pro, team, role, category, start, end in zip(
                inv["involvement_id"],
                inv["person_id"],
                inv["professional_id"],
                inv["team_id"],
                inv["role"],
                inv["role_category"],
                inv["start"],
                inv["end"],
            )
        )
        rel = pyarrow.table(self.table("relationships", day)).to_pydict()
        graph.add_edges_from(
            (("person", a), ("person", b), key, {"kind": "relationship", "relationship": k})
            for key, a, b, k in zip(rel["relationship_id"], rel["from_id"], rel["to_id"], rel["kind"])
        )
        members = pyarrow.table(self.table("household_members", day)).to_pydict()
        graph.add_nodes_from(
            (("household", h), {"kind": "household"}) for h in set(members["household_id"])
        )
        graph.add_edges_from(
            (("household", h), ("person", p), f"{h}/{p}", {"kind": "household_member"})
            for h, p in zip(members["household_id"], members["person_id"])
        )
        return graph


def generate(
    tier: str = "S",
    seed: int = 0,
    *,
    sizes: Optional[Iterable[int]] = None,
) -> Network:
    """A fictional council's network, for trying things out and for benchmarks.

    ``tier`` is a benchmark tier: ``S`` (20k persons, 80k involvements, 1.5k
    professionals), ``M`` (150k, 600k, 8k) or ``L`` (1M, 5M, 50k); ``sizes`` =
    ``(persons, involvements, professionals)`` overrides it. The same seed gives the same
    network. The data describes one day, :attr:`Network.today`; children are keyed
    ``lcs:<id>``. All names and identifiers are invented.
    """
    if sizes is not None:
        persons, involvements, professionals = (int(n) for n in sizes)
        for n in (persons, involvements, professionals):
            if n < 0:
                raise ValidationError("sizes must not be negative")
        native = _patchwork.NativeNetwork.generate(
            tier, seed, (persons, involvements, professionals)
        )
    else:
        native = _patchwork.NativeNetwork.generate(tier, seed)
    return Network(native)
