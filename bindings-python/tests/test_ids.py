"""NHS number and UPN validation, checked against small pure-Python reference implementations.

The references are written from the published rules, independently of the Rust code:

- NHS number: weights 10..2 over the first nine digits; check = 11 - (sum mod 11), where 11
  means 0 and 10 means the number is invalid. Ten identical digits are placeholders.
- UPN: characters 2-13 weighted 2..13; digits count as their value, letters as their index
  in the 23-letter alphabet below; the first character must be ALPHABET[sum mod 23].
"""

from __future__ import annotations

import random
import string
from typing import Callable, Optional

import pytest

import patchwork
from patchwork import PatchworkError, ValidationError

UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # no I, O or S
SEED = 20240521
ROUNDS = 5000


# ---------------------------------------------------------------- reference implementations


def ref_nhs_check_digit(first_nine: str) -> Optional[int]:
    """The modulus-11 check digit of nine digits, or None when the check gives 10."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def ref_nhs(text: str) -> Optional[str]:
    """The normalised NHS number, or None when `text` is not a valid one."""
    stripped = text.strip()
    if any(c not in "0123456789 -" for c in stripped):
        return None
    digits = "".join(c for c in stripped if c.isdigit())
    if len(digits) != 10 or len(set(digits)) == 1:
        return None
    if ref_nhs_check_digit(digits[:9]) != int(digits[9]):
        return None
    return digits


def ref_upn_check_letter(last_twelve: str) -> str:
    total = 0
    for weight, c in zip(range(2, 14), last_twelve):
        value = int(c) if c.isdigit() else UPN_ALPHABET.index(c)
        total += weight * value
    return UPN_ALPHABET[total % 23]


def ref_upn(text: str) -> Optional[str]:
    """The normalised UPN, or None when `text` is not a valid one."""
    upn = text.strip().upper()
    if len(upn) != 13 or not upn.isascii():
        return None
    first, middle, last = upn[0], upn[1:12], upn[12]
    if first not in UPN_ALPHABET or not middle.isdigit():
        return None
    if not (last.isdigit() or last in UPN_ALPHABET):
        return None
    if ref_upn_check_letter(upn[1:]) != first:
        return None
    return upn


# ---------------------------------------------------------------- known values


def test_reference_agrees_with_hand_worked_values() -> None:
    # 9 4 3 4 7 6 5 9 1 weighted 10..2 = 299; 299 mod 11 = 2; 11 - 2 = 9.
    assert ref_nhs_check_digit("943476591") == 9
    # 1..9 weighted 10..2 = 210; 210 mod 11 = 1; 11 - 1 = 10: no valid check digit.
    assert ref_nhs_check_digit("123456789") is None
    # 1 2 3 4 5 6 7 8 9 0 1 2 weighted 2..13 = 368; 368 mod 23 = 0 -> A.
    assert ref_upn_check_letter("123456789012") == "A"
    # 9 3 8 2 0 1 2 0 0 1 2 C(=2) weighted 2..13 = 153; 153 mod 23 = 15 -> R.
    assert ref_upn_check_letter("93820120012C") == "R"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9434765919", "9434765919"),
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        ("  9434765919\n", "9434765919"),
        ("4010232137", "4010232137"),
    ],
)
def test_valid_nhs_numbers(text: str, expected: str) -> None:
    assert patchwork.validate_nhs_number(text) == expected
    assert ref_nhs(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9434765918", "expected 9, found 8"),
        ("4010232135", "expected 7, found 5"),
        ("943476591", "10 digits, found 9"),
        ("94347659190", "10 digits, found 11"),
        ("", "10 digits, found 0"),
        ("94347x5919", "position 6"),
        ("9999999999", "placeholder"),
        ("1234567890", "gives 10"),
        ("９４３４７６５９１９", "position 1"),  # full-width digits are not ASCII digits
    ],
)
def test_invalid_nhs_numbers(text: str, reason: str) -> None:
    assert ref_nhs(text) is None
    with pytest.raises(ValidationError, match=reason):
        patchwork.validate_nhs_number(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A123456789012", "A123456789012"),
        ("a123456789012", "A123456789012"),
        (" A123456789012 ", "A123456789012"),
        ("R93820120012C", "R93820120012C"),  # temporary UPN: the last letter counts as 2
        ("r93820120012c", "R93820120012C"),
    ],
)
def test_valid_upns(text: str, expected: str) -> None:
    assert patchwork.validate_upn(text) == expected
    assert ref_upn(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("N93820120012C", "expected R, found N"),  # what counting the letter as 0 would give
        ("B123456789012", "expected A, found B"),
        ("A12345678901", "13 characters, found 12"),
        ("A1234567890123", "13 characters, found 14"),
        ("A12345X789012", "position 7"),
        ("I123456789012", "position 1"),  # I, O and S are not in the alphabet
        ("A12345678901S", "position 13"),
        ("Ä12345678901", "13 characters"),
        ("", "13 characters, found 0"),
    ],
)
def test_invalid_upns(text: str, reason: str) -> None:
    assert ref_upn(text) is None
    with pytest.raises(ValidationError, match=reason):
        patchwork.validate_upn(text)


# ---------------------------------------------------------------- random comparison


def _random_nhs_candidate(rng: random.Random) -> str:
    first_nine = "".join(rng.choice(string.digits) for _ in range(9))
    check = ref_nhs_check_digit(first_nine)
    roll = rng.random()
    if roll < 0.5 and check is not None:
        digits = first_nine + str(check)  # valid (unless a placeholder)
    elif roll < 0.8:
        digits = first_nine + rng.choice(string.digits)  # usually invalid
    else:  # wrong length, stray characters, separators
        pool = string.digits * 4 + " -xA."
        digits = "".join(rng.choice(pool) for _ in range(rng.randint(0, 13)))
    if rng.random() < 0.2 and len(digits) == 10:
        digits = f"{digits[:3]}{rng.choice(' -')}{digits[3:6]}{rng.choice(' -')}{digits[6:]}"
    return digits


def _random_upn_candidate(rng: random.Random) -> str:
    middle = "".join(rng.choice(string.digits) for _ in range(11))
    last = rng.choice(string.digits + UPN_ALPHABET)
    roll = rng.random()
    if roll < 0.5:
        first = ref_upn_check_letter(middle + last)  # valid
    elif roll < 0.8:
        first = rng.choice(UPN_ALPHABET)  # usually invalid
    else:  # anything, any length
        pool = string.ascii_uppercase + string.digits * 3
        return "".join(rng.choice(pool) for _ in range(rng.randint(0, 15)))
    upn = first + middle + last
    return upn.lower() if rng.random() < 0.1 else upn


def _outcome(func: Callable[[str], str], text: str) -> Optional[str]:
    try:
        return func(text)
    except ValidationError:
        return None


def test_nhs_numbers_match_reference_on_random_inputs() -> None:
    rng = random.Random(SEED)
    valid = 0
    for _ in range(ROUNDS):
        text = _random_nhs_candidate(rng)
        expected = ref_nhs(text)
        assert _outcome(patchwork.validate_nhs_number, text) == expected, text
        valid += expected is not None
    # The generator must exercise both outcomes substantially.
    assert ROUNDS * 0.3 < valid < ROUNDS * 0.7


def test_upns_match_reference_on_random_inputs() -> None:
    rng = random.Random(SEED)
    valid = 0
    for _ in range(ROUNDS):
        text = _random_upn_candidate(rng)
        expected = ref_upn(text)
        assert _outcome(patchwork.validate_upn, text) == expected, text
        valid += expected is not None
    assert ROUNDS * 0.3 < valid < ROUNDS * 0.7


def test_every_wrong_check_digit_is_rejected() -> None:
    rng = random.Random(SEED + 1)
    for _ in range(500):
        first_nine = "".join(rng.choice(string.digits) for _ in range(9))
        check = ref_nhs_check_digit(first_nine)
        for d in range(10):
            text = first_nine + str(d)
            assert _outcome(patchwork.validate_nhs_number, text) == ref_nhs(text), text
            if d != check:
                assert ref_nhs(text) is None


def test_every_wrong_check_letter_is_rejected() -> None:
    rng = random.Random(SEED + 2)
    for _ in range(200):
        rest = "".join(rng.choice(string.digits) for _ in range(11))
        rest += rng.choice(string.digits + UPN_ALPHABET)
        good = ref_upn_check_letter(rest)
        for letter in UPN_ALPHABET:
            result = _outcome(patchwork.validate_upn, letter + rest)
            assert result == (letter + rest if letter == good else None)


# ---------------------------------------------------------------- arguments and hostile input


@pytest.mark.parametrize("func", [patchwork.validate_nhs_number, patchwork.validate_upn])
def test_non_strings_raise_type_error(func: Callable[..., str]) -> None:
    for bad in (None, 9434765919, b"9434765919", ["9434765919"]):
        with pytest.raises(TypeError):
            func(bad)


@pytest.mark.parametrize("func", [patchwork.validate_nhs_number, patchwork.validate_upn])
def test_keyword_argument(func: Callable[..., str]) -> None:
    with pytest.raises(ValidationError):
        func(text="x")


@pytest.mark.parametrize("func", [patchwork.validate_nhs_number, patchwork.validate_upn])
def test_hostile_strings_give_clean_errors(func: Callable[..., str]) -> None:
    for bad in ("\x00" * 10, "9" * 1_000_000, "🙂" * 13, "\ud800", "A\u0301" * 13):
        # A lone surrogate cannot become UTF-8: UnicodeEncodeError, itself a ValueError.
        with pytest.raises(ValueError):
            func(bad)
