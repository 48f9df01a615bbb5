"""Text messages through SNS (`Publish` to a phone number).

The text can hold a one-time password, so it is never logged: a send logs the masked phone and
SNS's message id only. In the embedded stack moto keeps every SMS and `local/sms.py` prints it
(text included) in the stack's log, so a person can read an OTP locally. `sns:Publish` to a phone
number has no resource-level permission: the function that sends gets `sns:Publish` on `*`
(infra/policy.py).
"""

from __future__ import annotations

import logging

from chalicelib.core import aws
from chalicelib.core.records import Record

logger = logging.getLogger("crm.sms")

MAX_CHARS = 1600  # SNS's limit for one SMS publish (it splits into parts of 140 bytes)


def mask_phone(phone: str) -> str:
    """`+919876543210` -> `+91*******210`: enough to tell messages apart in a log, not to dial."""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 6) + phone[-3:]


class SmsNotifier(Record, frozen=True):
    """`sms_type` Transactional (OTPs: delivered first, even to DND numbers) or Promotional.
    `sender_id` is shown where the destination country supports alphanumeric sender ids."""

    sms_type: str = "Transactional"
    sender_id: str | None = None

    def send(self, phone: str, text: str) -> str:
        """Publish `text` to `phone` (E.164, e.g. +919876543210); returns SNS's message id."""
        if not phone.startswith("+") or not phone[1:].isdigit():
            raise ValueError("phone must be in E.164 form, e.g. +919876543210")
        if not text or len(text) > MAX_CHARS:
            raise ValueError(f"an SMS holds 1 to {MAX_CHARS} characters")
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": self.sms_type}}
        if self.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": self.sender_id}
        response = aws.sns().publish(PhoneNumber=phone, Message=text, MessageAttributes=attributes)
        message_id = str(response["MessageId"])
        logger.info("sms %s sent to %s", message_id, mask_phone(phone))
        return message_id
