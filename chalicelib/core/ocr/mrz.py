"""The machine readable zone of a passport (ICAO 9303 TD3: two lines of 44 characters).

OCR engines misread the OCR-B font in known ways (O for 0, I for 1, S for 5, B for 8...), and the
position of a character says which reading is right: the dates and check digits are digits, the
country codes and names letters. `read_data_line` fixes those, then trusts the data line only when
every check digit passes (the document number, both dates, the optional data and the composite). The
document number takes letters and digits alike, so nothing is swapped there (a test changes every
character of every fixture line and finds no wrong number accepted). The name line has no
check digit: it is `intact` when it is exactly 44 characters, else the engine dropped or merged some.

The check digits are computed here (seven lines); the `mrz` package (GPL-3.0, so never in the Lambda
package) is the tests' oracle for them.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

from chalicelib.core.records import Record

LINE = 44
TO_DIGIT = str.maketrans({"O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8",
                          "G": "6"})
TO_LETTER = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"})
# Look-alikes an engine prints for the MRZ's own characters (chevrons, the multiplication sign for X).
# (written as escapes: guillemets, angle brackets, the multiplication sign, Cyrillic capitals)
GLYPHS = str.maketrans({"\u00ab": "<", "\u2039": "<", "\u3008": "<", "(": "<", "\u00d7": "X",
                        **dict(zip("\u041a\u041e\u0421\u0420\u0425\u0412\u041c\u041d\u0415\u0410\u0422",
                                   "KOCPXBMHEAT", strict=True))})
# ICAO's code for Germany is one letter; everyone else's three.
COUNTRY_CODES = {"D": "DEU"}
_WEIGHTS = (7, 3, 1)


def check_digit(text: str) -> str:
    """ICAO 9303 check digit: digits are themselves, A-Z are 10-35, `<` is 0; weights 7, 3, 1."""
    total = 0
    for index, char in enumerate(text):
        if char.isdigit():
            value = int(char)
        elif "A" <= char <= "Z":
            value = ord(char) - 55
        else:
            value = 0
        total += value * _WEIGHTS[index % 3]
    return str(total % 10)


def clean(line: str) -> str:
    """An engine's line as MRZ characters: upper case, look-alikes mapped, spaces dropped."""
    return re.sub(r"\s+", "", line.upper().translate(GLYPHS))


class DataLine(Record, frozen=True):
    """The second line, its check digits verified."""

    document_number: str
    nationality: str
    birth_date: date
    sex: str
    expiry_date: date


class Names(Record, frozen=True):
    surname: str
    given_names: str
    intact: bool  # the line was exactly 44 characters as read (no chevron or letter lost)


class MrzError(ValueError):
    """The MRZ could not be read or does not add up; the message is for the person who uploaded it."""


@cache
def country_codes() -> frozenset[str]:
    """The codes a nationality may be: no check digit covers it, so an unknown code is a misread."""
    text = (Path(__file__).resolve().parent / "countries.txt").read_text(encoding="ascii")
    return frozenset(code for line in text.splitlines() if not line.startswith("#") for code in line.split())


def _digits(text: str) -> str:
    return text.translate(TO_DIGIT)


def _letters(text: str) -> str:
    return text.translate(TO_LETTER)


def _fit(line: str) -> str:
    """A data line with its filler run re-counted: engines often read a run of chevrons one short or long."""
    if len(line) == LINE:
        return line
    match = re.fullmatch(r"(.{28})(<+)(.{2})", line)
    if match:
        return match.group(1) + "<" * 14 + match.group(3)
    return line


def _date(text: str, *, expiry: bool, today: date) -> date:
    year, month, day = int(text[:2]), int(text[2:4]), int(text[4:6])
    # an expiry is this century; a birth year past this year's two digits is the last one's
    century = 2000 if expiry or year <= today.year % 100 else 1900
    return date(century + year, month, day)


def fixed_data_line(line: str) -> str:
    """The second line with its filler run re-counted and look-alikes fixed where the position says
    digit (dates, check digits) or letter (nationality); the document number as read."""
    text = _fit(clean(line))
    if len(text) != LINE:
        return text
    return (text[0:9] + _digits(text[9]) + _letters(text[10:13]) + _digits(text[13:20]) + text[20]
            + _digits(text[21:28]) + text[28:42] + _digits(text[42:44]))


def read_data_line(line: str, *, today: date | None = None) -> DataLine:
    """The second line, position-wise fixed and checked; MrzError says what does not add up."""
    today = today or date.today()
    text = fixed_data_line(line)
    if len(text) != LINE:
        raise MrzError(f"The passport's machine readable zone was read with {len(text)} characters "
                       f"instead of {LINE}.")
    number_raw, number_check, nationality = text[0:9], text[9], text[10:13]
    birth, birth_check, sex = text[13:19], text[19], text[20]  # sex: no check digit covers it, never guessed
    expiry, expiry_check = text[21:27], text[27]
    optional, optional_check, final = text[28:42], text[42], text[43]
    if not (birth + birth_check + expiry + expiry_check + number_check).isdigit():
        raise MrzError("The dates in the passport's machine readable zone could not be read.")
    if check_digit(birth) != birth_check:
        raise MrzError("The date of birth does not match its check digit in the machine readable zone.")
    if check_digit(expiry) != expiry_check:
        raise MrzError("The expiry date does not match its check digit in the machine readable zone.")
    optional_ok = (optional.strip("<") == "" and optional_check in "<0") or check_digit(optional) == optional_check
    if not optional_ok:
        raise MrzError("The optional data does not match its check digit in the machine readable zone.")
    # The number is letters and digits alike, so no look-alike is swapped in it: with two check digits
    # over nine characters, a swap that passes is too often a plain misread passing by chance.
    number = number_raw
    if check_digit(number) != number_check or check_digit(
            number + number_check + birth + birth_check + expiry + expiry_check + optional + optional_check) != final:
        raise MrzError("The passport number does not match the check digits in the machine readable zone.")
    if sex not in ("M", "F", "<"):
        raise MrzError("The sex in the machine readable zone could not be read.")
    code = nationality.replace("<", "")
    if not re.fullmatch(r"[A-Z]+<*", nationality) or code not in country_codes():
        raise MrzError("The nationality in the machine readable zone could not be read.")
    try:
        birth_date, expiry_date = _date(birth, expiry=False, today=today), _date(expiry, expiry=True, today=today)
    except ValueError:
        raise MrzError("A date in the machine readable zone is not a real date.") from None
    return DataLine(document_number=number.replace("<", ""), nationality=COUNTRY_CODES.get(code, code),
                    birth_date=birth_date, sex="X" if sex == "<" else sex, expiry_date=expiry_date)


def read_name_line(line: str) -> Names | None:
    """The first line's names (`P<ISSSURNAME<<GIVEN<NAMES<<<`), or None when it is not one."""
    text = clean(line)
    if not re.fullmatch(r"P[A-Z<][A-Z0-9<]{3}[A-Z0-9<]*", text) or "<<" not in text[5:]:
        return None
    names = _letters(text[5:]).rstrip("<")
    if not re.fullmatch(r"[A-Z<]+", names):
        return None
    surname, _, given = names.partition("<<")
    surname, given = surname.replace("<", " ").strip(), given.replace("<", " ").strip()
    if not surname:
        return None
    return Names(surname=re.sub(r" +", " ", surname), given_names=re.sub(r" +", " ", given), intact=len(text) == LINE)


def looks_like_data_line(line: str) -> bool:
    """A candidate second line: long, mostly digits and chevrons in the shape TD3 gives it."""
    text = clean(line)
    return 40 <= len(text) <= 48 and sum(char.isdigit() for char in text) >= 12 and "<" in text


def looks_like_name_line(line: str) -> bool:
    text = clean(line)
    return text.startswith("P") and "<<" in text and len(text) >= 10
