"""Type stubs for the native module ``patchwork._patchwork`` (import ``patchwork`` instead)."""

import datetime
from typing import Any, Dict, List, Optional, Tuple, final

__all__ = ["ArrowTable", "NativeNetwork", "__version__", "validate_nhs_number", "validate_upn"]

__version__: str

def validate_nhs_number(text: str) -> str:
    """Validate an NHS number and return it as ten digits without separators."""

def validate_upn(text: str) -> str:
    """Validate a Unique Pupil Number (UPN) and return it in upper case."""

@final
class ArrowTable:
    """A table of columns built in Rust, readable through the Arrow PyCapsule interface."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object:
        """Export the table as an Arrow C stream capsule."""
    def __arrow_c_schema__(self) -> object:
        """Export the table's schema as an Arrow C schema capsule."""
    @property
    def num_rows(self) -> int:
        """The number of rows."""
    @property
    def column_names(self) -> List[str]:
        """The column names, in order."""
    def __len__(self) -> int:
        """The number of rows."""

@final
class NativeNetwork:
    """A network loaded in Rust; use ``patchwork.Network``."""

    @staticmethod
    def from_ssd(
        path: str, agency: List[str], system: Optional[str], flavour_name: str
    ) -> NativeNetwork:
        """Import an SSD extract and partner-agency feeds."""
    @staticmethod
    def open(store_path: str) -> NativeNetwork:
        """Load a Patchwork store."""
    @staticmethod
    def generate(
        tier: str, seed: int, sizes: Optional[Tuple[int, int, int]] = None
    ) -> NativeNetwork:
        """A fictional council's network."""
    def save(self, store_path: str) -> None:
        """Save to a Patchwork store."""
    @property
    def la_system(self) -> Optional[str]:
        """The council's key namespace."""
    @property
    def today(self) -> Optional[datetime.date]:
        """For generated data, the date it describes."""
    @property
    def audited(self) -> bool:
        """True when reads are appended to a store's audit trail."""
    def last_access_record(self) -> Any:
        """The audit entry of the last read, or None."""
    def counts(self) -> Tuple[int, int, int]:
        """Persons, professionals, involvements."""
    def problems(self) -> List[Dict[str, Any]]:
        """The import's problems."""
    def person(self, key: str) -> Dict[str, Any]:
        """A person by key or LA id."""
    def persons_with_nhs_number(
        self, nhs_number: str, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """Persons by NHS number."""
    def persons_with_upn(self, upn: str) -> List[Dict[str, Any]]:
        """Persons by UPN."""
    def team_around(
        self, person: str, as_of: datetime.date, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> Dict[str, Any]:
        """The team around a person."""
    def family_network(
        self, child: str, as_of: datetime.date, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> Dict[str, Any]:
        """A child's family network."""
    def caseload(
        self, professional: str, as_of: datetime.date, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """A professional's caseload."""
    def shared_children(
        self, a: str, b: str, as_of: datetime.date, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """Children shared by two professionals."""
    def connection_path(
        self, a: str, b: str, as_of: datetime.date, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> Optional[Dict[str, Any]]:
        """The shortest chain between two professionals."""
    def timeline(self, person: str, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None) -> Any:
        """A person's timeline."""
    def worker_changes(
        self, child: str, start: datetime.date, end: datetime.date, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> Dict[str, Any]:
        """Changes of allocated social worker."""
    def gaps(self, as_of: datetime.date, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None) -> List[Dict[str, Any]]:
        """Every gap."""
    def components(self, as_of: datetime.date, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None) -> List[Dict[str, Any]]:
        """Family clusters."""
    def diff(
        self, older: NativeNetwork, as_of: datetime.date, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """Change events from an older network."""
    def persons_table(self, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None) -> ArrowTable:
        """Every person."""
    def professionals_table(self, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None) -> ArrowTable:
        """Every professional."""
    def involvements_table(
        self, active_on: Optional[datetime.date] = None, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> ArrowTable:
        """Every involvement."""
    def episodes_table(self, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None) -> ArrowTable:
        """Every episode."""
    def relationships_table(
        self, active_on: Optional[datetime.date] = None, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> ArrowTable:
        """Every relationship."""
    def household_members_table(
        self, active_on: Optional[datetime.date] = None, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None
    ) -> ArrowTable:
        """Every household membership."""
    def teams_table(self, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None) -> ArrowTable:
        """Every team."""
    def agencies_table(self, viewer: Optional[Tuple[str, str, str, Optional[str]]] = None, policy: Optional[str] = None) -> ArrowTable:
        """Every agency."""
