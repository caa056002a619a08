"""Typed results of the queries of :class:`patchwork.Network`.

Each result is a frozen dataclass with attribute access and ``to_dict()``; the field names
are those of the command line's JSON output (``patchwork team --json`` and friends):
``professional_id``, ``role``, ``role_category``, ``team``, ``agency``, ``start``, ``end``,
``lead``... Dates are :class:`datetime.date` (``None`` when open or unknown). Lists of
results are :class:`ResultList` objects, which add ``to_pandas()``.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
from typing import TYPE_CHECKING, Any, Dict, Generic, Iterable, List, Optional, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    import pandas as _pandas  # type: ignore[import-untyped, unused-ignore]

__all__ = [
    "CaseloadEntry",
    "ChangeEvent",
    "ConnectionPath",
    "FamilyCluster",
    "FamilyLink",
    "FamilyNetwork",
    "Gap",
    "Known",
    "Person",
    "Problem",
    "Relative",
    "ResultList",
    "Team",
    "TeamMember",
    "TimelineEntry",
    "WorkerChange",
    "WorkerChanges",
]

T = TypeVar("T")

# Columns that to_pandas() turns into datetime64 and into categoricals.
_DATE_COLUMNS = {"start", "end", "date", "as_of", "birth_date"}
_CODE_COLUMNS = {
    "role",
    "role_category",
    "sensitivity",
    "gap",
    "status",
    "kind",
    "item",
    "event",
    "lead_basis",
    "via",
    "severity",
    "reason",
}


class _Record:
    """Shared behaviour of the result dataclasses."""

    def to_dict(self) -> Dict[str, Any]:
        """The result as a dict (nested results as dicts too), keyed like the CLI's JSON."""
        return dataclasses.asdict(self)  # type: ignore[call-overload, no-any-return]


class ResultList(List[T], Generic[T]):
    """A list of query results, with :meth:`to_pandas`."""

    def to_pandas(self) -> "_pandas.DataFrame":
        """One row per result, one column per field: dates as ``datetime64``, codes
        (role, role category, kind, gap...) as categoricals."""
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]

        rows = [r.to_dict() if isinstance(r, _Record) else r for r in self]
        frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
        for column in frame.columns:
            if column in _DATE_COLUMNS:
                frame[column] = pd.to_datetime(frame[column])
            elif column in _CODE_COLUMNS and frame[column].map(_hashable).all():
                frame[column] = frame[column].astype("category")
        return frame


def _hashable(value: object) -> bool:
    return value is None or isinstance(value, (str, int, bool))


@dataclasses.dataclass(frozen=True)
class TeamMember(_Record):
    """One active involvement in a team around a person."""

    involvement_id: str
    professional_id: Optional[str]
    #: The professional's name.
    name: Optional[str]
    #: The role code as the source gave it.
    role: str
    role_category: str
    team_id: Optional[str]
    #: The team's name (the involvement's team, else the professional's).
    team: Optional[str]
    agency_id: Optional[str]
    #: The agency's name (the team's, else the professional's).
    agency: Optional[str]
    start: Optional[datetime.date]
    end: Optional[datetime.date]
    lead: bool
    sensitivity: str


@dataclasses.dataclass(frozen=True)
class Team(_Record):
    """The team around a person on one date: every involvement active that day, leads
    first, with which lead rule applied (``allocated_social_worker``,
    ``lead_practitioner_role`` or ``none``)."""

    child_id: str
    as_of: datetime.date
    lead_basis: str
    members: ResultList[TeamMember]

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Team":
        return cls(
            child_id=d["child_id"],
            as_of=d["as_of"],
            lead_basis=d["lead_basis"],
            members=ResultList(TeamMember(**m) for m in d["members"]),
        )

    @property
    def lead(self) -> Optional[TeamMember]:
        """The lead practitioner, or ``None`` when nobody leads or more than one does
        (two leads at once is a gap to resolve, never a tie broken by guessing)."""
        leads = self.leads
        return leads[0] if len(leads) == 1 else None

    @property
    def leads(self) -> List[TeamMember]:
        """Every member marked as lead."""
        return [m for m in self.members if m.lead]

    def __len__(self) -> int:
        """The number of active involvements."""
        return len(self.members)

    def to_pandas(self) -> "_pandas.DataFrame":
        """The members as a DataFrame (see :meth:`ResultList.to_pandas`)."""
        return self.members.to_pandas()

    def _repr_html_(self) -> str:
        """A small HTML table for notebooks; every value is escaped."""
        e = html.escape
        rows = []
        for m in self.members:
            cells = [
                "&#9733;" if m.lead else "",
                e(m.role_category.replace("_", " ")),
                e(m.name or m.professional_id or "-"),
                e(m.team or "-"),
                e(m.agency or "-"),
                e(str(m.start) if m.start else "-"),
                e(str(m.end) if m.end else "-"),
            ]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        head = "".join(
            f"<th>{h}</th>"
            for h in ("Lead", "Role", "Professional", "Team", "Agency", "Since", "Until")
        )
        caption = (
            f"Team around {e(self.child_id)} on {e(str(self.as_of))}: "
            f"{len(self.members)} involvement(s); lead basis: {e(self.lead_basis)}"
        )
        return (
            f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )


@dataclasses.dataclass(frozen=True)
class FamilyLink(_Record):
    """How a relative is linked to the child: ``via`` ``household`` (``id`` is the
    household) or ``relationship`` (``id``, ``kind``, read "``from_id`` is the ``kind`` of
    ``to_id``")."""

    via: str
    id: str
    kind: Optional[str]
    from_id: Optional[str]
    to_id: Optional[str]


@dataclasses.dataclass(frozen=True)
class Relative(_Record):
    """A person in a child's family network, with their links and their own team."""

    person_id: str
    name: Optional[str]
    links: List[FamilyLink]
    team: Team


@dataclasses.dataclass(frozen=True)
class FamilyNetwork(_Record):
    """A child's family network on one date: the child's team and each relative's."""

    child: Team
    relatives: ResultList[Relative]

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "FamilyNetwork":
        return cls(
            child=Team._from(d["child"]),
            relatives=ResultList(
                Relative(
                    person_id=r["person_id"],
                    name=r["name"],
                    links=[FamilyLink(**link) for link in r["links"]],
                    team=Team._from(r["team"]),
                )
                for r in d["relatives"]
            ),
        )


@dataclasses.dataclass(frozen=True)
class CaseloadEntry(_Record):
    """One child a professional is involved with."""

    child_id: str
    involvement_id: str
    role: str
    role_category: str
    start: Optional[datetime.date]
    end: Optional[datetime.date]
    lead: bool


@dataclasses.dataclass(frozen=True)
class Person(_Record):
    """A person: key, kind (``child``, ``unborn_child``, ``adult``), names, identifiers."""

    person_id: str
    kind: str
    given_name: Optional[str]
    family_name: Optional[str]
    birth_date: Optional[datetime.date]
    nhs_number: Optional[str]
    upn: Optional[str]


@dataclasses.dataclass(frozen=True)
class ConnectionPath(_Record):
    """The shortest chain professional - child - professional ... between two
    professionals: ``professional_ids`` has one more entry than ``child_ids``."""

    professional_ids: List[str]
    child_ids: List[str]

    def __len__(self) -> int:
        """The number of children on the path."""
        return len(self.child_ids)


@dataclasses.dataclass(frozen=True)
class TimelineEntry(_Record):
    """One entry of a person's timeline: an ``involvement``, ``episode`` or ``activity``
    (``item``), its key (``id``), its role category or kind, and its period."""

    item: str
    id: str
    kind: str
    role: Optional[str]
    professional_id: Optional[str]
    name: Optional[str]
    start: Optional[datetime.date]
    end: Optional[datetime.date]


@dataclasses.dataclass(frozen=True)
class WorkerChange(_Record):
    """One change of allocated social worker."""

    date: datetime.date
    previous_involvement_id: str
    next_involvement_id: str
    previous_professional_id: Optional[str]
    next_professional_id: Optional[str]
    #: The end reason of the previous involvement (a DfE code such as ``LEFTRL``).
    reason: Optional[str]


@dataclasses.dataclass(frozen=True)
class WorkerChanges(_Record):
    """The changes of allocated social worker of a child in a date range."""

    count: int
    changes: ResultList[WorkerChange]

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "WorkerChanges":
        return cls(count=d["count"], changes=ResultList(WorkerChange(**c) for c in d["changes"]))

    def to_pandas(self) -> "_pandas.DataFrame":
        """The changes as a DataFrame."""
        return self.changes.to_pandas()


@dataclasses.dataclass(frozen=True)
class Gap(_Record):
    """A child with a gap in their team (``gap``: ``no_allocated_social_worker``,
    ``no_health_professional``, ``professional_has_left``, ``multiple_leads``)."""

    child_id: str
    gap: str
    #: The statutory status of a ``no_allocated_social_worker`` gap.
    status: Optional[str]
    #: The gap as a sentence.
    reason: str
    involvement_ids: List[str]
    professional_id: Optional[str]


@dataclasses.dataclass(frozen=True)
class FamilyCluster(_Record):
    """The persons of one family cluster (linked by households and relationships)."""

    person_ids: List[str]

    def __len__(self) -> int:
        """The number of persons in the cluster."""
        return len(self.person_ids)


_EVENT_FIELDS = (
    "person",
    "involvement",
    "professional",
    "team",
    "role",
    "start",
    "end",
    "reason",
    "previous",
    "current",
    "fields",
)


@dataclasses.dataclass(frozen=True)
class ChangeEvent(_Record):
    """One change between an older and a newer network, shaped like a line of
    ``patchwork changes --json``: ``event`` (``person_added``, ``involvement_started``,
    ``involvement_ended``, ``involvement_removed``, ``lead_changed``,
    ``child_left_without_allocated_worker``, ``professional_changed``) and the fields of
    that event; the fields an event does not have are ``None`` and left out of
    ``to_dict()``."""

    event: str
    person: Optional[str] = None
    involvement: Optional[str] = None
    professional: Optional[str] = None
    team: Optional[str] = None
    role: Optional[str] = None
    start: Optional[datetime.date] = None
    end: Optional[datetime.date] = None
    reason: Any = None
    previous: Optional[List[Any]] = None
    current: Optional[List[Any]] = None
    fields: Optional[List[str]] = None
    _keys: tuple = dataclasses.field(default=(), repr=False, compare=False)  # type: ignore[type-arg]

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "ChangeEvent":
        values = dict(d)
        for name in ("start", "end"):
            if isinstance(values.get(name), str):
                values[name] = datetime.date.fromisoformat(values[name])
        unknown = set(values) - set(_EVENT_FIELDS) - {"event"}
        if unknown:  # a newer core with an event field this package does not know
            raise ValueError(f"unknown change event fields: {sorted(unknown)}")
        return cls(_keys=tuple(d), **values)

    def to_dict(self) -> Dict[str, Any]:
        """The event's own fields, as in ``patchwork changes --json`` (dates as dates)."""
        return {k: getattr(self, k) for k in self._keys}


@dataclasses.dataclass(frozen=True)
class Problem(_Record):
    """One problem found by an import: where (``file``, 1-based ``line``, ``column``
    name), what (``kind``), whether the row was quarantined (``severity``), and a
    message that never repeats identifying values."""

    file: str
    line: Optional[int]
    column: Optional[str]
    kind: str
    severity: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column is not None:
            where += f" [{self.column}]"
        return f"{where}: {self.message}"


@dataclasses.dataclass(frozen=True)
class Known(_Record):
    """All a viewer who may not see a person's records is told about them: the person
    is known to services, and how to contact their lead practitioner.

    This is what a query about one person (``team_around``, ``family_network``,
    ``timeline``, ``worker_changes``) returns when it is asked with ``viewer=`` by a
    professional who is not involved with the person (the policy's "existence only").
    ``route`` says how to get in touch: ``lead`` (the lead practitioner's work contact:
    ``role_category``, ``professional_id``, ``name``, ``phone``, ``email``, ``team``,
    ``agency``), ``broker`` (no single lead can be shown: contact ``broker_contact``,
    the front door) or ``unavailable`` (neither)."""

    person_id: str
    route: str
    role_category: Optional[str] = None
    professional_id: Optional[str] = None
    name: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    team: Optional[str] = None
    agency: Optional[str] = None
    broker_contact: Optional[str] = None

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Known":
        values = {k: v for k, v in d.items() if k != "access"}
        return cls(**values)


def _is_known(d: Any) -> bool:
    """True for the dict of an existence-only answer (see :class:`Known`)."""
    return isinstance(d, dict) and d.get("access") == "existence_only"


def _list(cls: Any, rows: Iterable[Dict[str, Any]]) -> ResultList[Any]:
    return ResultList(cls(**r) for r in rows)
