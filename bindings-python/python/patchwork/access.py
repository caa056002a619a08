"""Who a read is made as: :class:`Viewer`, and the policy that filters it.

Every query of :class:`patchwork.Network` takes the keyword arguments ``viewer=`` and
``policy=``:

* ``viewer=`` is a :class:`Viewer`, or a professional's key or id as a shorthand for
  ``Viewer(that_id)`` (role ``practitioner``, purpose ``direct_work``). The answer is then
  what that professional may see under the policy: the team around a child they are
  actively involved with; only that a child they are not involved with is known to
  services and how to reach the lead practitioner (a :class:`patchwork.Known`); nothing of
  a shielded child (the same :class:`patchwork.NotFoundError` as an unknown id); and no
  sensitive-service involvement (sexual health, substance misuse, mental health, domestic
  abuse) of another agency.
* ``policy=`` is the council's information-sharing policy, as a dict, a JSON text or the
  path of a JSON file (the fields of ``patchwork_core::Policy``: ``version``,
  ``involved_see_team``, ``others_see_existence``, ``roles``, ``service_sensitivity``,
  ``broker_contact``...). Without it the practice defaults apply (version
  ``practice-defaults``). It needs ``viewer=``.

The queries (``team_around``, ``family_network``, ``caseload``, ``shared_children``,
``connection_path``, ``timeline``, ``worker_changes``, ``gaps``, ``components``, ``diff``),
``find_persons(nhs_number=...)``, the tables and frames (``table``, ``persons``,
``involvements``...) and ``to_networkx`` all take them. A viewer the network does not hold
(:class:`patchwork.NotFoundError`), an unknown purpose or a policy that is not valid
(:class:`patchwork.ValidationError`) is refused before anything is read, and nothing is
recorded.

Without ``viewer=`` a read is an administrative (analyst) read, unfiltered, recorded as
one by the operating-system user (``python:$USER``), for the purpose ``analysis``.

Each read as a viewer decides afresh what the viewer may see (one pass over the persons
and involvements), on the clock's time when the read is made: who is actively involved
with a child *today* decides access, whatever ``as_of`` the query answers for.

Every read makes one audit entry. A network opened from a store
(:meth:`patchwork.Network.open`) appends it to that store's hash-chained audit trail before
the answer is returned (and returns nothing if it cannot). A network made any other way
(:meth:`patchwork.Network.from_ssd`, :func:`patchwork.generate`) has no trail to write to:
the host must persist :meth:`patchwork.Network.last_access_record` after each read itself.
Consents and break-glass overrides are not read from the store yet: a viewer's reads are
decided on the policy alone.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Dict, Mapping, Optional, Tuple, Union

__all__ = ["PURPOSES", "PolicyLike", "Viewer", "ViewerLike"]

#: The purposes a viewer may give (``other:<words>`` for any other, in the council's words).
PURPOSES = ("direct_work", "safeguarding", "planning", "analysis", "audit", "subject_access")


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The professional a read is made as.

    ``professional`` is their key (``lcs:5001``) or the council's id (``5001``); their
    agency and team come from their record. ``role`` is their access role, as the policy
    names roles (``practitioner``, ``front_door``, ``child_protection``,
    ``shield_broker``...; a role the policy does not name grants nothing beyond being
    involved). ``purpose`` is why they look (one of :data:`PURPOSES`, or
    ``other:<words>``); ``reason`` their justification, recorded in the audit trail.

    >>> Viewer("lcs:5001", purpose="safeguarding", reason="strategy discussion")
    Viewer(professional='lcs:5001', role='practitioner', purpose='safeguarding', reason='strategy discussion')
    """

    professional: str
    role: str = "practitioner"
    purpose: str = "direct_work"
    reason: Optional[str] = None

    def __post_init__(self) -> None:
        """Check the fields' types (the values are checked by the network)."""
        for name in ("professional", "role", "purpose"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Viewer.{name} must be a string")
        if self.reason is not None and not isinstance(self.reason, str):
            raise TypeError("Viewer.reason must be a string or None")


#: A viewer: a :class:`Viewer`, or a professional's key or id.
ViewerLike = Union[Viewer, str]
#: A policy: a dict, a JSON text, or the path of a JSON file.
PolicyLike = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def _viewer_spec(viewer: Optional[ViewerLike]) -> Optional[Tuple[str, str, str, Optional[str]]]:
    """The viewer as the native module takes it."""
    if viewer is None:
        return None
    if isinstance(viewer, str):
        viewer = Viewer(viewer)
    if not isinstance(viewer, Viewer):
        raise TypeError("viewer must be a patchwork.Viewer or a professional's key or id")
    return (viewer.professional, viewer.role, viewer.purpose, viewer.reason)


def _policy_source(policy: Optional[PolicyLike]) -> Tuple[Optional[str], Optional[str]]:
    """The policy as JSON text for the native module (which checks it), and the file it
    came from (``None`` for a dict or a text)."""
    if policy is None:
        return None, None
    if isinstance(policy, Mapping):
        as_dict: Dict[str, Any] = dict(policy)
        return json.dumps(as_dict, default=str), None
    if isinstance(policy, str) and policy.lstrip().startswith("{"):
        return policy, None
    if isinstance(policy, (str, os.PathLike)):
        path = os.fspath(policy)
        with open(path, encoding="utf-8") as f:
            return f.read(), path
    raise TypeError("policy must be a dict, a JSON text or the path of a JSON file")
