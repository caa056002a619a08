"""The exceptions raised by patchwork.

Every error that patchwork raises is a :class:`PatchworkError`, so ``except PatchworkError``
catches them all. Subclasses also derive from the builtin exception that fits, so code that
already catches ``ValueError`` keeps working.

The native module ``patchwork._patchwork`` imports these classes by name and raises them
(see ``bindings-python/src/errors.rs``). Planned subclasses follow the same pattern:
``ParseError(PatchworkError, SyntaxError)`` carrying ``file``, ``line`` and ``column``;
``NotFoundError(PatchworkError, KeyError)``; ``StoreError(PatchworkError, OSError)``.
"""

__all__ = ["PatchworkError", "ValidationError"]


class PatchworkError(Exception):
    """Base class of every exception raised by patchwork.

    Raised as such for internal errors, including a Rust panic caught at the boundary
    (which is always a bug in patchwork).
    """


class ValidationError(PatchworkError, ValueError):
    """A value is not valid: an NHS number whose check digit is wrong, a malformed UPN...

    The message says what is wrong without repeating the value, since identifiers of
    children must not end up in logs.
    """
