"""The :class:`Network`: loading, lookups, queries, frames and networkx export.

The work is done in Rust (``patchwork._patchwork.NativeNetwork``) with the GIL released;
this module turns its answers into typed results (:mod:`patchwork.results`), pandas
frames and networkx graphs.
"""

from __future__ import annotations

import datetime
import os
import re
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Sequence, Union, overload

from patchwork import _patchwork
from patchwork._patchwork import ArrowTable
from patchwork.access import PolicyLike, ViewerLike, _policy_source, _viewer_spec
from patchwork.exceptions import NotFoundError, ValidationError
from patchwork.results import (
    CaseloadEntry,
    ChangeEvent,
    ConnectionPath,
    FamilyCluster,
    FamilyNetwork,
    Gap,
    Known,
    Person,
    Problem,
    ResultList,
    Team,
    TimelineEntry,
    WorkerChanges,
    _is_known,
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

    Every query and frame takes ``viewer=`` and ``policy=``: the answer is then what that
    professional may see under the council's policy (see :mod:`patchwork.access`), and
    each read makes one audit entry, appended to the store for a network opened with
    :meth:`open`, and kept as :meth:`last_access_record` always.

    >>> net.team_around("lcs:1000000", as_of=net.today, viewer="lcs:NOBODY")
    Traceback (most recent call last):
    ...
    patchwork.exceptions.NotFoundError: viewer: no professional with this key or id
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
        missing, not a store, or damaged.

        The store stays open: every read of this network (each query, lookup and frame,
        with or without ``viewer=``) appends one entry to the store's hash-chained audit
        trail before its answer is returned, so the file must be writable; a read whose
        entry cannot be written raises :class:`patchwork.StoreError` and shows nothing.
        Networks made by :meth:`from_ssd` or :func:`generate` have no trail: their host
        persists :meth:`last_access_record` itself."""
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

    @overload
    def find_persons(
        self,
        *,
        nhs_number: Optional[str] = None,
        upn: Optional[str] = None,
        viewer: None = None,
        policy: None = None,
    ) -> ResultList[Person]: ...
    @overload
    def find_persons(
        self,
        *,
        nhs_number: Optional[str] = None,
        upn: Optional[str] = None,
        viewer: ViewerLike,
        policy: Optional[PolicyLike] = None,
    ) -> ResultList[Union[Person, Known]]: ...
    def find_persons(
        self,
        *,
        nhs_number: Optional[str] = None,
        upn: Optional[str] = None,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> Union[ResultList[Person], ResultList[Union[Person, Known]]]:
        """Every person with this NHS number or UPN (validated first; give one).

        With ``viewer=`` (NHS number only; see :mod:`patchwork.access`) each person comes
        back in full or as a :class:`Known`, and a person the viewer may not know of is
        left out, so that a search never confirms that a shielded child is known. The
        number searched for is not written to the audit trail."""
        if (nhs_number is None) == (upn is None):
            raise TypeError("give exactly one of nhs_number or upn")
        if nhs_number is not None:
            rows = self._read("persons_with_nhs_number", nhs_number, viewer=viewer, policy=policy)
            return ResultList(Known._from(r) if _is_known(r) else Person(**r) for r in rows)
        assert upn is not None
        if viewer is not None or policy is not None:
            raise ValidationError("a search by UPN as a viewer is not supported: use nhs_number")
        return _list(Person, self._native.persons_with_upn(upn))

    # ------------------------------------------------------------------ queries

    def _read(
        self,
        name: str,
        *args: Any,
        viewer: Optional[ViewerLike],
        policy: Optional[PolicyLike],
    ) -> Any:
        """Call the native query ``name`` as ``viewer`` under ``policy`` (one read, one
        audit entry). A policy file that is not valid is named in the error."""
        spec = _viewer_spec(viewer)
        text, origin = _policy_source(policy)
        try:
            return getattr(self._native, name)(*args, viewer=spec, policy=text)
        except ValidationError as e:
            if origin is not None and str(e).startswith("the policy"):
                raise ValidationError(f"{origin}: {e}") from None
            raise

    @overload
    def team_around(
        self, child: _Who, as_of: DateLike = None, *, viewer: None = None, policy: None = None
    ) -> Team: ...
    @overload
    def team_around(
        self,
        child: _Who,
        as_of: DateLike = None,
        *,
        viewer: ViewerLike,
        policy: Optional[PolicyLike] = None,
    ) -> Union[Team, Known]: ...
    def team_around(
        self,
        child: _Who,
        as_of: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> Union[Team, Known]:
        """The team around a person on ``as_of``: every involvement active that day
        (start <= as_of < end), leads first, with the lead practitioner marked: the
        allocated social worker of a child with an open CIN, CP or CLA episode, else a
        lead practitioner role, else nobody. In a notebook it shows as a table.

        With ``viewer=`` (see :mod:`patchwork.access`) the team holds only what the viewer
        may see; a viewer not involved with the person gets a :class:`Known`; a hidden
        person raises :class:`NotFoundError`, as an unknown one does."""
        d = self._read(
            "team_around", _who(child, "child"), _date(as_of), viewer=viewer, policy=policy
        )
        return Known._from(d) if _is_known(d) else Team._from(d)

    @overload
    def family_network(
        self, child: _Who, as_of: DateLike = None, *, viewer: None = None, policy: None = None
    ) -> FamilyNetwork: ...
    @overload
    def family_network(
        self,
        child: _Who,
        as_of: DateLike = None,
        *,
        viewer: ViewerLike,
        policy: Optional[PolicyLike] = None,
    ) -> Union[FamilyNetwork, Known]: ...
    def family_network(
        self,
        child: _Who,
        as_of: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> Union[FamilyNetwork, Known]:
        """A child's family network on ``as_of``: the child's team, and each household
        member or directly related person with how they are linked and their own team.
        With ``viewer=``, hidden relatives are left out and each team holds only what the
        viewer may see (or a :class:`Known`, as for :meth:`team_around`)."""
        d = self._read(
            "family_network", _who(child, "child"), _date(as_of), viewer=viewer, policy=policy
        )
        return Known._from(d) if _is_known(d) else FamilyNetwork._from(d)

    def caseload(
        self,
        professional: str,
        as_of: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> ResultList[CaseloadEntry]:
        """The children a professional is involved with on ``as_of`` (with ``viewer=``:
        those involvements the viewer may see)."""
        return _list(
            CaseloadEntry,
            self._read(
                "caseload",
                _who(professional, "professional"),
                _date(as_of),
                viewer=viewer,
                policy=policy,
            ),
        )

    def shared_children(
        self,
        a: str,
        b: str,
        as_of: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> ResultList[Person]:
        """The children both professionals are involved with on ``as_of`` (with
        ``viewer=``: over what the viewer may see)."""
        return _list(
            Person, self._read("shared_children", a, b, _date(as_of), viewer=viewer, policy=policy)
        )

    def connection_path(
        self,
        a: str,
        b: str,
        as_of: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> Optional[ConnectionPath]:
        """The shortest chain of shared children linking two professionals on ``as_of``
        (professional - child - professional ...), or ``None`` when they are not
        connected (with ``viewer=``: through the children the viewer may see)."""
        path = self._read("connection_path", a, b, _date(as_of), viewer=viewer, policy=policy)
        return None if path is None else ConnectionPath(**path)

    @overload
    def timeline(
        self, person: _Who, *, viewer: None = None, policy: None = None
    ) -> ResultList[TimelineEntry]: ...
    @overload
    def timeline(
        self, person: _Who, *, viewer: ViewerLike, policy: Optional[PolicyLike] = None
    ) -> Union[ResultList[TimelineEntry], Known]: ...
    def timeline(
        self,
        person: _Who,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> Union[ResultList[TimelineEntry], Known]:
        """Everything recorded about a person over time, by start date: involvements,
        episodes and activities (assessments, S47 enquiries, conferences...). With
        ``viewer=``: what the viewer may see, or a :class:`Known`."""
        rows = self._read("timeline", _who(person, "person"), viewer=viewer, policy=policy)
        return Known._from(rows) if _is_known(rows) else _list(TimelineEntry, rows)

    @overload
    def worker_changes(
        self,
        child: _Who,
        start: DateLike,
        end: DateLike = None,
        *,
        viewer: None = None,
        policy: None = None,
    ) -> WorkerChanges: ...
    @overload
    def worker_changes(
        self,
        child: _Who,
        start: DateLike,
        end: DateLike = None,
        *,
        viewer: ViewerLike,
        policy: Optional[PolicyLike] = None,
    ) -> Union[WorkerChanges, Known]: ...
    def worker_changes(
        self,
        child: _Who,
        start: DateLike,
        end: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> Union[WorkerChanges, Known]:
        """The changes of allocated social worker of a child from ``start`` to ``end``
        (default today). With ``viewer=``: counted over the allocations the viewer may
        see, or a :class:`Known`."""
        d = self._read(
            "worker_changes",
            _who(child, "child"),
            _date(start, "start"),
            _date(end, "end"),
            viewer=viewer,
            policy=policy,
        )
        return Known._from(d) if _is_known(d) else WorkerChanges._from(d)

    def gaps(
        self,
        as_of: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> ResultList[Gap]:
        """Every gap on ``as_of``: children on a plan or looked after with no allocated
        social worker, on a plan with no health professional, involved with a
        professional who has left, or with more than one lead. With ``viewer=``: among
        the children the viewer sees in full, from what they see."""
        return _list(Gap, self._read("gaps", _date(as_of), viewer=viewer, policy=policy))

    def components(
        self,
        as_of: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> ResultList[FamilyCluster]:
        """The family clusters on ``as_of``: persons linked by households and
        relationships, largest first (with ``viewer=``: among the persons the viewer may
        see)."""
        return _list(
            FamilyCluster, self._read("components", _date(as_of), viewer=viewer, policy=policy)
        )

    def diff(
        self,
        older: "Network",
        as_of: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> ResultList[ChangeEvent]:
        """The change events from ``older`` to this network, with leads taken on
        ``as_of``: who joined, who left, who leads now. With ``viewer=``: between what
        the viewer may see of each (the persons they may see decided on this network).
        The read is recorded in this network's audit trail."""
        if not isinstance(older, Network):
            raise TypeError("older must be a patchwork.Network")
        events = self._read("diff", older._native, _date(as_of), viewer=viewer, policy=policy)
        return ResultList(ChangeEvent._from(e) for e in events)

    # ------------------------------------------------------------------ audit

    @property
    def audited(self) -> bool:
        """True when every read is appended to the audit trail of the store this network
        was opened from (:meth:`open`); False for a network made any other way, whose
        host must persist :meth:`last_access_record` itself."""
        return self._native.audited

    def last_access_record(self) -> Optional[Dict[str, Any]]:
        """The audit entry of the last read made through this network, or ``None`` before
        the first: a dict with ``at`` (UTC, RFC 3339), ``actor_kind`` (``viewer`` or
        ``administrative``), ``actor`` (the viewer's key, or ``python:$USER``),
        ``category`` (``consultation``; ``disclosure`` for a table or frame),
        ``purpose``, ``subjects`` (the keys of the persons whose records were read),
        ``all_subjects`` (True for a read of the whole network) and ``detail`` (for a
        viewer, core's access record: policy version, action, outcome, disclosed keys,
        alerts; it says when a hidden person was asked for, so it is for the audit
        trail, never for the viewer). The same entry a store-backed network appends to
        its store."""
        return self._native.last_access_record()  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ frames

    def table(
        self,
        name: str,
        active_on: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> ArrowTable:
        """A whole-network table as Arrow, for pyarrow, polars or duckdb without copies
        through Python objects (it has ``__arrow_c_stream__``).

        ``name`` is one of ``persons``, ``professionals``, ``involvements``,
        ``episodes``, ``relationships``, ``household_members``, ``teams``, ``agencies``.
        ``active_on`` (for involvements, relationships and household members) keeps only
        the rows active that day; ``None`` keeps every row. In the involvements table,
        ``person_id``, ``professional_id`` and ``team_id`` are dictionary-encoded, with
        every person's (professional's, team's) key as the dictionary.

        With ``viewer=`` (see :mod:`patchwork.access`) the table is built from what the
        viewer may see (their export): no shielded person, no person they may only know
        exists, no involvement they may not see. Each table is one read, recorded as a
        disclosure.
        """
        if name not in _TABLES:
            raise ValidationError(f"unknown table {name!r}: expected one of {', '.join(_TABLES)}")
        method = f"{name}_table"
        if name in ("involvements", "relationships", "household_members"):
            day = None if active_on is None else _date(active_on, "active_on")
            return self._read(method, day, viewer=viewer, policy=policy)  # type: ignore[no-any-return]
        if active_on is not None:
            raise TypeError(f"the {name} table has no active_on")
        return self._read(method, viewer=viewer, policy=policy)  # type: ignore[no-any-return]

    def _frame(
        self,
        name: str,
        active_on: DateLike = None,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> "_pandas.DataFrame":
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]
        import pyarrow  # type: ignore[import-untyped, unused-ignore]

        arrow = pyarrow.table(self.table(name, active_on, viewer=viewer, policy=policy))
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

    def persons(
        self, *, viewer: Optional[ViewerLike] = None, policy: Optional[PolicyLike] = None
    ) -> "_pandas.DataFrame":
        """Every person as a pandas DataFrame: ``person_id``, ``kind`` (categorical),
        names, ``birth_date`` / ``expected_birth_date`` / ``death_date`` (datetime64),
        ``sex`` and ``ethnicity`` (categorical), ``nhs_number``, ``upn``, ``postcode``,
        and provenance (``source_system``, ``source_file``, ``source_row``). With
        ``viewer=``, only the persons the viewer may see in full (see :meth:`table`)."""
        return self._frame("persons", None, viewer, policy)

    def professionals(
        self, *, viewer: Optional[ViewerLike] = None, policy: Optional[PolicyLike] = None
    ) -> "_pandas.DataFrame":
        """Every professional as a pandas DataFrame: ``professional_id``, ``name``,
        ``job_title``, ids, ``agency_id``/``agency`` and ``team_id``/``team``
        (categorical), contact, ``start``/``end`` in post (datetime64), provenance.
        ``viewer=`` as for :meth:`table`."""
        return self._frame("professionals", None, viewer, policy)

    def involvements(
        self,
        active_on: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> "_pandas.DataFrame":
        """Every involvement (or those active on ``active_on``) as a pandas DataFrame:
        ``involvement_id``, ``person_id``, ``professional_id``; ``team_id``, ``role`` and
        ``role_category`` (categorical), ``start``/``end`` (datetime64),
        ``end_reason`` and ``sensitivity`` (categorical), provenance. With ``viewer=``,
        only the involvements the viewer may see (see :meth:`table`)."""
        return self._frame("involvements", active_on, viewer, policy)

    def episodes(
        self, *, viewer: Optional[ViewerLike] = None, policy: Optional[PolicyLike] = None
    ) -> "_pandas.DataFrame":
        """Every episode as a pandas DataFrame: ``episode_id``, ``person_id``, ``kind``
        (categorical), ``start``/``end`` (datetime64), the codes of each kind (category of
        abuse, legal status, placement, primary need, referral source, closure reason;
        categorical), ``reason``, provenance. ``viewer=`` as for :meth:`table`."""
        return self._frame("episodes", None, viewer, policy)

    # ------------------------------------------------------------------ networkx

    def to_networkx(
        self,
        as_of: DateLike = None,
        *,
        viewer: Optional[ViewerLike] = None,
        policy: Optional[PolicyLike] = None,
    ) -> "_networkx.MultiGraph":
        """The network on ``as_of`` as a ``networkx.MultiGraph``.

        Nodes are ``("person", key)``, ``("professional", key)``, ``("team", key)`` and
        ``("household", key)`` with a ``kind`` attribute (and ``name``, ``person_kind``).
        Edges, each keyed by its record's key, are the involvements active on ``as_of``
        (professional, or team for a team-only involvement, to person; ``kind`` is
        ``involvement``, with ``role``, ``role_category``, ``start``, ``end``), the
        relationships active then (person to person, ``kind`` ``relationship``, with
        ``relationship``) and the household memberships active then (``kind``
        ``household_member``).

        With ``viewer=``, the graph is built from what the viewer may see (as the frames
        are, see :meth:`table`). It reads six tables, so it is six reads (six audit
        entries).
        """
        import networkx as nx  # type: ignore[import-untyped, unused-ignore]
        import pyarrow  # type: ignore[import-untyped, unused-ignore]

        day = _date(as_of)
        graph = nx.MultiGraph(as_of=day)
        persons = pyarrow.table(self.table("persons", viewer=viewer, policy=policy))
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
        pros = pyarrow.table(self.table("professionals", viewer=viewer, policy=policy))
        graph.add_nodes_from(
            (("professional", key), {"kind": "professional", "name": name})
            for key, name in zip(pros["professional_id"].to_pylist(), pros["name"].to_pylist())
        )
        teams = pyarrow.table(self.table("teams", viewer=viewer, policy=policy))
        graph.add_nodes_from(
            (("team", key), {"kind": "team", "name": name})
            for key, name in zip(teams["team_id"].to_pylist(), teams["name"].to_pylist())
        )
        inv = pyarrow.table(self.table("involvements", day, viewer=viewer, policy=policy)).to_pydict()
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
        rel = pyarrow.table(self.table("relationships", day, viewer=viewer, policy=policy)).to_pydict()
        graph.add_edges_from(
            (("person", a), ("person", b), key, {"kind": "relationship", "relationship": k})
            for key, a, b, k in zip(rel["relationship_id"], rel["from_id"], rel["to_id"], rel["kind"])
        )
        members = pyarrow.table(self.table("household_members", day, viewer=viewer, policy=policy)).to_pydict()
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
