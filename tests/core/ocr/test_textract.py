"""The Textract engine with botocore's Stubber (moto has no AnalyzeID): the MRZ field, the fallback to
DetectDocumentText lines, and which errors are worth a retry."""

from __future__ import annotations

from datetime import date

import botocore.session
import pytest
from botocore.stub import ANY, Stubber

from chalicelib.core.ocr.engines import EngineError, TextractEngine, engine
from chalicelib.core.ocr.images import PNG, Page, PageError
from chalicelib.core.ocr.passport import read_passport

PAGE = Page(PNG, b"\x89PNG\r\n\x1a\n-a-page-")
NAME_LINE, DATA_LINE = "P<AUSNOWAK<<MINH<<<<<<<<<<<<<<<<<<<<<<<<<<<<", "XB18159080AUS6301031M3207039<<<<<<<<<<<<<<00"


def _field(kind: str, value: str) -> dict:
    return {"Type": {"Text": kind}, "ValueDetection": {"Text": value, "Confidence": 98.5}}


def _analyze_id(*fields: dict) -> dict:
    return {"IdentityDocuments": [{"DocumentIndex": 1, "IdentityDocumentFields": list(fields)}],
            "DocumentMetadata": {"Pages": 1}, "AnalyzeIDModelVersion": "1.0"}


def _line(text: str, top: float) -> dict:
    return {"BlockType": "LINE", "Text": text, "Geometry": {"BoundingBox": {"Top": top, "Left": 0.1,
                                                                           "Width": 0.5, "Height": 0.02}}}


@pytest.fixture()
def textract():
    client = botocore.session.get_session().create_client("textract", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_analyze_id_fields_give_the_holder(textract):
    client, stubber = textract
    stubber.add_response("analyze_id", _analyze_id(
        _field("FIRST_NAME", "MINH"), _field("LAST_NAME", "NOWAK"), _field("DOCUMENT_NUMBER", "XB1815908"),
        _field("MRZ_CODE", f"{NAME_LINE}\n{DATA_LINE}"), _field("MIDDLE_NAME", "")),
        {"DocumentPages": [{"Bytes": PAGE.data}]})
    reading = TextractEngine(client).read(PAGE)
    result = read_passport(reading, today=date(2026, 11, 29))
    assert result.complete and not result.needs_review
    assert result.data == {"firstName": "MINH", "lastName": "NOWAK", "passportNumber": "XB1815908",
                           "dateOfBirth": "1963-01-03", "expiryDate": "2032-07-03", "nationality": "AUS",
                           "gender": "M"}


def test_no_mrz_from_analyze_id_falls_back_to_the_lines(textract):
    client, stubber = textract
    stubber.add_response("analyze_id", _analyze_id(_field("FIRST_NAME", "MINH")), {"DocumentPages": ANY})
    stubber.add_response("detect_document_text", {"Blocks": [
        _line(DATA_LINE, 0.9), _line(NAME_LINE, 0.85), _line("NOWAK", 0.3), _line("Surname/Nom", 0.25),
        {"BlockType": "WORD", "Text": "NOWAK"}]}, {"Document": {"Bytes": PAGE.data}})
    reading = TextractEngine(client).read(PAGE)
    assert reading.lines == ("Surname/Nom", "NOWAK", NAME_LINE, DATA_LINE)
    result = read_passport(reading, today=date(2026, 11, 29))
    assert result.complete and result.data["passportNumber"] == "XB1815908"


def test_an_unsupported_document_is_read_as_lines_then_as_nothing(textract):
    client, stubber = textract
    stubber.add_client_error("analyze_id", "UnsupportedDocumentException", http_status_code=400)
    stubber.add_client_error("detect_document_text", "UnsupportedDocumentException", http_status_code=400)
    reading = TextractEngine(client).read(PAGE)
    assert reading.lines == () and not read_passport(reading).complete


def test_a_damaged_image_is_a_page_error(textract):
    client, stubber = textract
    stubber.add_client_error("analyze_id", "BadDocumentException", http_status_code=400)
    with pytest.raises(PageError, match="damaged"):
        TextractEngine(client).read(PAGE)


def test_service_failures_are_engine_errors_worth_a_retry(textract):
    client, stubber = textract
    stubber.add_client_error("analyze_id", "ProvisionedThroughputExceededException", http_status_code=400)
    with pytest.raises(EngineError, match="ProvisionedThroughputExceeded"):
        TextractEngine(client).read(PAGE)


def test_the_setting_chooses_the_engine():
    assert engine("textract").name == "textract" and engine("rapidocr").name == "rapidocr"
    with pytest.raises(ValueError, match="unknown OCR engine"):
        engine("tesseract")
