"""The exceptions raised by patchwork.

Every error that patchwork raises is a :class:`PatchworkError`, so ``except PatchworkError``
catches them all. Subclasses also derive from the builtin exception that fits, so code that
already catches ``ValueError`` keeps working.

The native module ``patchwork._patchwork`` imports these classes by name and raises them
(see ``bindings-python/src/errors.rs``).

>>> issubclass(NotFoundError, KeyError) and issubclass(NotFoundError, PatchworkError)
True
"""

from __future__ import annotations

from typing import Optional

__all__ = ["NotFoundError", "ParseError", "PatchworkError", "StoreError", "ValidationError"]


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


class ParseError(PatchworkError, ValueError):
    """An input file could not be imported at all: unreadable, not CSV, a required column
    missing, over a size limit, or a folder without ``ssd_person.csv``.

    ``file`` names the file (or folder); ``line`` (1-based) and ``column`` (the column's
    name) say where, when the problem has a place. Rows with problems of their own do not
    raise: they are left out and listed by ``Network.problems()``.

    >>> err = ParseError("ssd_person.csv:3: not valid CSV", "ssd_person.csv", 3, None)
    >>> (err.file, err.line, err.column)
    ('ssd_person.csv', 3, None)
    """

    file: Optional[str]
    line: Optional[int]
    column: Optional[str]

    def __init__(
        self,
        message: str,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NotFoundError(PatchworkError, KeyError):
    """No person, professional... has the key or identifier asked for.

    A ``KeyError``, so ``except KeyError`` works; unlike a plain ``KeyError`` its message
    is printed as it is, without quotes.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StoreError(PatchworkError, OSError):
    """A Patchwork store could not be opened or read: missing, not a store, from a newer
    Patchwork, or damaged."""
