"""Type stubs for the native module ``patchwork._patchwork`` (import ``patchwork`` instead)."""

__all__ = ["__version__", "validate_nhs_number", "validate_upn"]

__version__: str

def validate_nhs_number(text: str) -> str:
    """Validate an NHS number and return it as ten digits without separators."""

def validate_upn(text: str) -> str:
    """Validate a Unique Pupil Number (UPN) and return it in upper case."""
