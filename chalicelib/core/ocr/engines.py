"""OCR engines behind one interface, chosen by the `ocr_engine` setting (`OCR_ENGINE`).

- `textract`: AWS Textract's AnalyzeID (the MRZ and the printed names as fields), falling back to
  DetectDocumentText's lines when AnalyzeID finds no identity document. What the Lambda uses.
- `rapidocr`: rapidocr-onnxruntime, offline, its models inside the wheel (~420 MB with OpenCV, so
  never in the Lambda package): the embedded stack and the tests. Its models load once per process.

An engine takes a `Page` (JPEG or PNG bytes: images.py) and answers a `Reading` (passport.py); it
raises `PageError` for a page it cannot decode (the job fails, saying so) and `EngineError` when the
engine itself fails (the job is retried).
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from chalicelib.core.ocr.images import Page, PageError
from chalicelib.core.ocr.passport import Reading

ENGINES = ("textract", "rapidocr")


class EngineError(RuntimeError):
    """The engine could not run (a service error, a missing package): worth another attempt."""


class Engine(Protocol):
    name: str

    def read(self, page: Page) -> Reading: ...


class TextractEngine:
    """Textract's AnalyzeID, then DetectDocumentText's LINE blocks when no MRZ came back."""

    name = "textract"

    def __init__(self, client: Any = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            from chalicelib.core import aws

            self._client = aws.client("textract")
        return self._client

    def read(self, page: Page) -> Reading:
        from botocore.exceptions import BotoCoreError, ClientError

        document = {"Bytes": page.data}
        fields: dict[str, str] = {}
        try:
            try:
                answer = self.client.analyze_id(DocumentPages=[document])
                fields = identity_fields(answer)
            except ClientError as exc:
                if _code(exc) not in ("UnsupportedDocumentException", "InvalidParameterException"):
                    raise
            if fields.get("MRZ_CODE"):
                return Reading(lines=(), fields=fields)
            lines = detected_lines(self.client.detect_document_text(Document=document))
        except ClientError as exc:
            if _code(exc) == "BadDocumentException":
                raise PageError("The image is damaged and cannot be read.") from exc
            if _code(exc) in ("UnsupportedDocumentException", "InvalidParameterException"):
                return Reading(lines=(), fields=fields)  # Textract found nothing it can read
            raise EngineError(f"Textract failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise EngineError(f"Textract could not be reached: {type(exc).__name__}") from exc
        return Reading(lines=tuple(lines), fields=fields)


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def identity_fields(answer: dict[str, Any]) -> dict[str, str]:
    """AnalyzeID's fields of the first document, by type (`MRZ_CODE`, `FIRST_NAME`, ...), non-empty only."""
    documents = answer.get("IdentityDocuments") or []
    if not documents:
        return {}
    fields = {}
    for item in documents[0].get("IdentityDocumentFields") or []:
        kind = str((item.get("Type") or {}).get("Text", ""))
        value = str((item.get("ValueDetection") or {}).get("Text", "")).strip()
        if kind and value:
            fields[kind] = value
    return fields


def detected_lines(answer: dict[str, Any]) -> list[str]:
    """DetectDocumentText's LINE blocks, top to bottom."""
    blocks = [block for block in answer.get("Blocks") or [] if block.get("BlockType") == "LINE" and block.get("Text")]
    blocks.sort(key=lambda block: ((block.get("Geometry") or {}).get("BoundingBox") or {}).get("Top", 0))
    return [str(block["Text"]) for block in blocks]


class RapidOcrEngine:
    """rapidocr-onnxruntime on this machine: no network, models from the wheel."""

    name = "rapidocr"
    _model: Any = None
    _lock = threading.Lock()

    @classmethod
    def model(cls) -> Any:
        """The detector, classifier and recogniser, loaded once per process (~0.1 s; imports ~0.3 s)."""
        with cls._lock:
            if cls._model is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as exc:
                    raise EngineError("The offline OCR engine (rapidocr-onnxruntime) is not installed.") from exc
                cls._model = RapidOCR()
            return cls._model

    def read(self, page: Page) -> Reading:
        model = self.model()
        pixels = decoded(page)
        with self._lock:  # one page at a time: onnxruntime already uses every core for one
            result, _ = model(pixels)
        return Reading(lines=tuple(str(text) for _, text, _ in result or ()))


def decoded(page: Page) -> Any:
    """The page's pixels (RGB, as a numpy array), or PageError when the image is damaged."""
    import io

    import numpy
    from PIL import Image

    try:
        with Image.open(io.BytesIO(page.data)) as image:
            return numpy.asarray(image.convert("RGB"))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PageError("The image is damaged and cannot be read.") from exc


def engine(name: str | None = None) -> Engine:
    """The engine named (default: the current settings' `ocr_engine`)."""
    if name is None:
        from chalicelib.core.config import get_settings

        name = get_settings().ocr_engine
    if name == "textract":
        return TextractEngine()
    if name == "rapidocr":
        return RapidOcrEngine()
    raise ValueError(f"unknown OCR engine {name!r}; one of {', '.join(ENGINES)}")
