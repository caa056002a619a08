"""Patchwork: the network of professional support around children and families.

Models who is involved with each child in English children's services (social workers,
health visitors, schools, police, housing, youth justice...), since when, in what role,
and who else should be talking to whom. The engine is written in Rust.

>>> import patchwork
>>> patchwork.validate_nhs_number("943 476 5919")
'9434765919'
"""

# The exceptions first: the native module imports them when it is loaded.
from patchwork.exceptions import PatchworkError, ValidationError
from patchwork._patchwork import __version__, validate_nhs_number, validate_upn  # noqa: I001

__all__ = [
    "PatchworkError",
    "ValidationError",
    "__version__",
    "validate_nhs_number",
    "validate_upn",
]
