"""Patchwork: the network of professional support around children and families.

Models who is involved with each child in English children's services (social workers,
health visitors, schools, police, housing, youth justice...), since when, in what role,
and who else should be talking to whom. The engine is written in Rust.

>>> import patchwork
>>> patchwork.validate_nhs_number("943 476 5919")
'9434765919'
>>> net = patchwork.generate(sizes=(100, 400, 30), seed=7)
>>> net.person_count
100
"""

# The exceptions first: the native module imports them when it is loaded.
from patchwork.exceptions import (
    NotFoundError,
    ParseError,
    PatchworkError,
    StoreError,
    ValidationError,
)
from patchwork._patchwork import ArrowTable, __version__, validate_nhs_number, validate_upn  # noqa: I001
from patchwork.access import Viewer
from patchwork.network import Network, generate
from patchwork.results import (
    CaseloadEntry,
    ChangeEvent,
    ConnectionPath,
    FamilyCluster,
    FamilyLink,
    FamilyNetwork,
    Gap,
    Known,
    Person,
    Problem,
    Relative,
    ResultList,
    Team,
    TeamMember,
    TimelineEntry,
    WorkerChange,
    WorkerChanges,
)

__all__ = [
    "ArrowTable",
    "CaseloadEntry",
    "ChangeEvent",
    "ConnectionPath",
    "FamilyCluster",
    "FamilyLink",
    "FamilyNetwork",
    "Gap",
    "Known",
    "Network",
    "NotFoundError",
    "ParseError",
    "PatchworkError",
    "Person",
    "Problem",
    "Relative",
    "ResultList",
    "StoreError",
    "Team",
    "TeamMember",
    "TimelineEntry",
    "ValidationError",
    "Viewer",
    "WorkerChange",
    "WorkerChanges",
    "__version__",
    "generate",
    "validate_nhs_number",
    "validate_upn",
]
