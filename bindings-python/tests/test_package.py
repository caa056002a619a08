"""The package as a whole: version, exception hierarchy, docstrings, stubs."""

from __future__ import annotations

import doctest
import importlib.metadata
import importlib.util
import inspect
import pathlib
import re
import subprocess
import sys
from typing import Callable

import pytest

import patchwork
from patchwork import PatchworkError, ValidationError


def test_version_is_the_distribution_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)*", patchwork.__version__)
    assert patchwork.__version__ == importlib.metadata.version("patchwork-python")
    assert patchwork.__version__ == patchwork._patchwork.__version__


def test_public_names() -> None:
    for name in patchwork.__all__:
        assert hasattr(patchwork, name), name
    assert patchwork.PatchworkError is patchwork.exceptions.PatchworkError


def test_exception_hierarchy() -> None:
    assert issubclass(PatchworkError, Exception)
    assert not issubclass(PatchworkError, ValueError)
    assert issubclass(ValidationError, PatchworkError)
    assert issubclass(ValidationError, ValueError)
    assert PatchworkError.__module__ == ValidationError.__module__ == "patchwork.exceptions"


@pytest.mark.parametrize(
    ("func", "text", "digits"),
    [
        (patchwork.validate_nhs_number, "9434765918", "943476591"),
        (patchwork.validate_nhs_number, "943 476 5918", "943476591"),
        (patchwork.validate_upn, "N93820120012C", "93820120012"),
        (patchwork.validate_upn, "B123456789012", "12345678901"),
    ],
)
def test_raised_errors_are_catchable_and_do_not_repeat_the_identifier(
    func: Callable[[str], str], text: str, digits: str
) -> None:
    with pytest.raises(ValidationError) as info:
        func(text)
    err = info.value
    assert isinstance(err, PatchworkError)
    assert isinstance(err, ValueError)
    assert type(err) is ValidationError
    message = str(err)
    assert message and digits not in message and text not in message
    assert err.args == (message,)
    # `except ValueError` and `except PatchworkError` both work.
    try:
        func(text)
    except ValueError:
        pass
    try:
        func(text)
    except PatchworkError:
        pass


def test_nhs_check_digit_message() -> None:
    with pytest.raises(ValidationError) as info:
        patchwork.validate_nhs_number("9434765918")
    assert str(info.value) == "NHS number check digit is wrong: expected 9, found 8"


@pytest.mark.parametrize("name", ["validate_nhs_number", "validate_upn"])
def test_functions_have_docstrings_and_signatures(name: str) -> None:
    func = getattr(patchwork, name)
    assert func.__doc__ and len(func.__doc__) > 80
    assert str(inspect.signature(func)) == "(text)"


@pytest.mark.parametrize(
    "obj",
    [
        patchwork,
        patchwork.exceptions,
        patchwork.validate_nhs_number,
        patchwork.validate_upn,
        patchwork.PatchworkError,
        patchwork.ValidationError,
        patchwork.ParseError,
        patchwork.Network,
        patchwork.generate,
    ],
    ids=lambda o: getattr(o, "__name__", repr(o)),
)
def test_docstring_examples(obj: object) -> None:
    assert obj.__doc__, f"{obj!r} has no docstring"
    parser = doctest.DocTestParser()
    test = parser.get_doctest(obj.__doc__, vars(patchwork).copy(), repr(obj), None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0


def test_typing_files_are_installed() -> None:
    package_dir = pathlib.Path(patchwork.__file__).parent
    assert (package_dir / "py.typed").is_file()
    assert (package_dir / "_patchwork.pyi").is_file()
    native = pathlib.Path(patchwork._patchwork.__file__).name
    assert ".abi3." in native, native


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_stubs_match_the_module(tmp_path: pathlib.Path) -> None:
    # Run in a scratch directory so mypy's cache does not land in the repository.
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "patchwork"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_type_checkers_see_the_types(tmp_path: pathlib.Path) -> None:
    # py.typed and the stubs make the package typed for its users: a wrong use is caught.
    (tmp_path / "use.py").write_text(
        "import patchwork\n"
        "ok: str = patchwork.validate_nhs_number('9434765919')\n"
        "bad: int = patchwork.validate_upn('A123456789012')\n"
        "err: ValueError = patchwork.ValidationError('x')\n"
        "ver: str = patchwork.__version__\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "use.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and errors[0].startswith("use.py:3:"), result.stdout
