"""From an engine's reading to the holder's data: complete only when the MRZ checks, names cross-checked."""

from __future__ import annotations

from datetime import date

from chalicelib.core.ocr.passport import NO_MRZ, NO_TEXT, Reading, read_passport

TODAY = date(2026, 11, 29)
NAME_LINE = "P<FRAVAN<DER<BERG<<ANNA<MARIA<<<<<<<<<<<<<<<"
DATA_LINE = "GK23667123FRA7807183F3003275<<<<<<<<<<<<<<06"
EXPECTED = {"firstName": "ANNA MARIA", "lastName": "VAN DER BERG", "passportNumber": "GK2366712",
            "dateOfBirth": "1978-07-18", "expiryDate": "2030-03-27", "nationality": "FRA", "gender": "F"}


def _page(surname: str, given: str, name_line: str = NAME_LINE, data_line: str = DATA_LINE) -> Reading:
    return Reading(lines=("PASSPORT/PASSEPORT", "Surname/Nom", surname, "Given names/Prenoms", given,
                          "Nationality/Nationalite", "FRA", name_line, data_line))


def test_printed_names_that_agree_keep_the_mrz_spelling():
    result = read_passport(_page("VANDERBERG", "ANNA MARIA"), today=TODAY)
    assert result.complete and result.data == EXPECTED and not result.needs_review


def test_printed_names_that_disagree_are_reported_and_flagged():
    result = read_passport(_page("VAN DEN BERG", "ANNA"), today=TODAY)
    assert result.complete and result.needs_review
    assert (result.data["lastName"], result.data["firstName"]) == ("VAN DEN BERG", "ANNA")
    assert "differ" in result.reasons[0]


def test_a_damaged_name_line_gives_way_to_the_printed_names():
    result = read_passport(_page("VAN DER BERG", "ANNA MARIA", name_line="P<FRAVAN<ER<BRG<<ANA<<<<<<<<<<<<<<"),
                           today=TODAY)
    assert result.complete and result.needs_review and result.data == EXPECTED


def test_only_the_mrz_names_are_complete_without_review_when_the_line_is_intact():
    result = read_passport(Reading(lines=(NAME_LINE, DATA_LINE)), today=TODAY)
    assert result.complete and not result.needs_review and result.data == EXPECTED


def test_engine_fields_come_first():
    fields = {"MRZ_CODE": f"{NAME_LINE}\n{DATA_LINE}", "FIRST_NAME": "Anna Maria", "LAST_NAME": "van der Berg"}
    result = read_passport(Reading(fields=fields), today=TODAY)
    assert result.complete and not result.needs_review and result.data == EXPECTED


def test_what_fails_and_why():
    assert read_passport(Reading(), today=TODAY).error == NO_TEXT
    assert read_passport(Reading(lines=("INVOICE", "Total 220.00")), today=TODAY).error == NO_MRZ
    wrong = read_passport(_page("VANDERBERG", "ANNA MARIA", data_line=DATA_LINE.replace("7807183", "7807193")),
                          today=TODAY)
    assert not wrong.complete and wrong.data is None and "date of birth" in wrong.error
    nameless = read_passport(Reading(lines=(DATA_LINE,)), today=TODAY)
    assert not nameless.complete and "names" in nameless.error
