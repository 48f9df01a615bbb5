"""RevisBali's event handlers: the `uploads` queue, whose `documents/` objects go to the OCR worker."""

from __future__ import annotations

from typing import Any

from chalicelib.core.product import QueueSpec

QUEUES = (QueueSpec("uploads"),)  # bucket uploads (documents/); RevisBali imports no files and sends no OTPs


def ocr_object(bucket: str, key: str, **options: Any) -> None:
    from chalicelib.products.revisbali.documents import worker

    worker.handle_object(bucket, key, **options)


def register_workers(app: Any) -> None:
    from chalicelib.core.files.worker import register_upload_worker

    register_upload_worker(app, handlers={"documents/": ocr_object})
