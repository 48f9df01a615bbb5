"""The MRZ step: check digits (the `mrz` package is the oracle), position-wise fixes, what fails and why."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.core.ocr.mrz import MrzError, check_digit, fixed_data_line, read_data_line, read_name_line
from tests.core.ocr.fixtures import truth

TODAY = date(2026, 11, 29)


def _mrz_package_accepts(lines: list[str]) -> bool:
    from mrz.checker.td3 import TD3CodeChecker

    return bool(TD3CodeChecker("\n".join(lines)))


def _ours(lines: list[str]) -> tuple[str, str, str, str, str] | None:
    """The fields our reader accepts the data line with, or None."""
    try:
        line = read_data_line(lines[1], today=TODAY)
    except MrzError:
        return None
    return (line.document_number, line.birth_date.isoformat(), line.expiry_date.isoformat(), line.nationality,
            line.sex)


def _ours_accepts(lines: list[str]) -> bool:
    return _ours(lines) is not None


@pytest.mark.parametrize("page", truth(), ids=lambda page: page["id"])
def test_every_fixture_line_reads_to_its_truth_and_the_mrz_package_agrees(page):
    line = read_data_line(page["mrz"][1], today=TODAY)
    expected = page["expected"]
    assert (line.document_number, line.birth_date.isoformat(), line.expiry_date.isoformat(), line.nationality,
            line.sex) == (expected["passportNumber"], expected["dateOfBirth"], expected["expiryDate"],
                          expected["nationality"], expected["gender"])
    assert _mrz_package_accepts(page["mrz"]) and _ours_accepts(page["mrz"])
    names = read_name_line(page["mrz"][0])
    assert (names.surname, names.given_names, names.intact) == (expected["lastName"], expected["firstName"], True)


def test_no_single_character_change_is_accepted_with_a_wrong_number():
    """Every character of every data line changed to every other digit or letter: what our reader accepts
    either our look-alike fix restored every true field, or the `mrz` package accepts the fixed line too
    (a change no check digit covers: the nationality, the sex). Nothing the check digits refute passes."""
    compared = 0
    for page in truth():
        name_line, data_line = page["mrz"]
        for position in range(len(data_line)):
            for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
                changed = data_line[:position] + char + data_line[position + 1:]
                if changed == data_line:
                    continue
                fields = _ours([name_line, changed])
                if fields is not None and not _mrz_package_accepts([name_line, fixed_data_line(changed)]):
                    expected = page["expected"]
                    assert fields == (expected["passportNumber"], expected["dateOfBirth"], expected["expiryDate"],
                                      expected["nationality"], expected["gender"]), changed
                compared += 1
    assert compared > 10000


def test_check_digit_is_icao_9303():
    assert check_digit("L898902C3") == "6" and check_digit("740812") == "2" and check_digit("<<<<") == "0"


def test_position_wise_fixes_of_common_misreads():
    # O for 0 in the dates and check digits, 1 for I in the nationality, S for 5 in the birth date,
    # a chevron run read two short, the multiplication sign for X
    line = "XB181590" + "8OAUS63O1O31M32O7O39<<<<<<<<<<<<00"
    fixed = read_data_line(line, today=TODAY)
    assert fixed.document_number == "XB1815908" and fixed.birth_date == date(1963, 1, 3)
    times_x = read_data_line("W\u00d707866668AUS5608216M3201071<<<<<<<<<<<<<<06", today=TODAY)
    assert times_x.document_number == "WX0786666"
    assert read_data_line("GK23667123FRA78O7183F3003275<<<<<<<<<<<<<<06", today=TODAY).nationality == "FRA"
    assert read_data_line("XB18159080AU56301031M3207039<<<<<<<<<<<<<<00", today=TODAY).nationality == "AUS"


def test_a_look_alike_in_the_document_number_is_not_guessed():
    with pytest.raises(MrzError, match="passport number"):
        read_data_line("WXO786666" + "8AUS5608216M3201071<<<<<<<<<<<<<<06", today=TODAY)


@pytest.mark.parametrize(("line", "reason"), [
    ("XB18159081AUS6301031M3207039<<<<<<<<<<<<<<00", "passport number"),
    ("XB18159080AUS6301041M3207039<<<<<<<<<<<<<<00", "date of birth"),
    ("XB18159080AUS6301031M3207038<<<<<<<<<<<<<<00", "expiry date"),
    ("XB18159080AUS6301031M3207039<<<<<<<<<<<<<<01", "passport number"),
    ("XB18159080AUS6301031M32070", "characters"),
    ("XB18159080AUS6301031Q3207039<<<<<<<<<<<<<<00", "sex"),
    ("XB18159080A9S6301031M3207039<<<<<<<<<<<<<<00", "nationality"),
    ("XB18159080QUS6301031M3207039<<<<<<<<<<<<<<00", "nationality"),
    ("XB18159080AUS6313031M3207039<<<<<<<<<<<<<<00", "date"),
])
def test_a_line_that_does_not_add_up_fails_with_a_reason(line, reason):
    with pytest.raises(MrzError, match=reason):
        read_data_line(line, today=TODAY)


def test_birth_years_past_this_year_are_last_century_and_expiries_this_one():
    line = read_data_line("HE12233073PRT0310066M3005017<<<<<<<<<<<<<<02", today=TODAY)
    assert line.birth_date == date(2003, 10, 6) and line.expiry_date == date(2030, 5, 1)
    earlier = read_data_line("HE12233073PRT0310066M3005017<<<<<<<<<<<<<<02", today=date(2002, 1, 1))
    assert earlier.birth_date.year == 1903


def test_germany_is_deu_and_an_unspecified_sex_is_x():
    assert read_data_line("BV13909965D<<5304024F3403107<<<<<<<<<<<<<<04", today=TODAY).nationality == "DEU"
    assert read_data_line("LE76018957BEL7112122<3508194<<<<<<<<<<<<<<06", today=TODAY).sex == "X"


def test_name_lines():
    damaged = read_name_line("P<AUSNWAK<<HANNA<<<<<<<<<<<<<<<<<<<<<<<<<<")
    assert (damaged.surname, damaged.given_names, damaged.intact) == ("NWAK", "HANNA", False)
    assert read_name_line("P<ASA<<H<<<<<<<<<<<<<<<<<<<<<<<<<<<") is None  # no surname left
    assert read_name_line("PASSPORT/PASSEPORT") is None
    assert read_name_line("P<FRA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<") is None
    assert read_name_line("P<ITAR0SSI<<JOSE<LUIS<<<<<<<<<<<<<<<<<<<<<<<").surname == "ROSSI"
