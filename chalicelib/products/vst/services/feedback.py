"""Feedback: the customer who owns a completed service rates it, once.

Once per service is a guard item (`feedback#service#<id>`) written in the same transaction as the
feedback, on condition that it does not exist: two racing submissions cannot both pass. Lists are
role-aware, each a Query: a customer's own (`customer-index`), a worker's on the services they did
(`worker-index`), every feedback for admins (`all-index`); `?service=` narrows to one service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.db.read import query_page
from chalicelib.core.db.unique import Guard
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.vst.models import Feedback
from chalicelib.products.vst.services import bookings
from chalicelib.products.vst.services.common import Counters, Guards

if TYPE_CHECKING:
    from chalicelib.products.vst.schemas import FeedbackIn, FeedbackQuery

feedback_ids = IdSequence(Counters, "feedbacks")
GIVEN = "Feedback for this service has already been given."


def submit(principal: Principal, body: FeedbackIn) -> Feedback:
    """The owner's rating of their completed service; a second one is 400 on `service`."""
    try:
        service = bookings.visible(principal, body.service)
    except NotFound:
        service = None
    if service is None or service.customer != principal.user_id:
        raise ValidationFailed({"service": [f'Invalid pk "{body.service}" - object does not exist.']})
    if service.status != "completed":
        raise ValidationFailed({"service": ["Feedback can be given only for a completed service."]})
    feedback = Feedback(feedback_ids.next(), service=service.id, customer=service.customer,
                        worker=service.assigned_to, rating=body.rating, comments=body.comments)
    txn.run(Guards, [txn.claim(Guards, Guard("feedback", "service", str(service.id), GIVEN), str(feedback.id)),
                     txn.put(feedback, condition=Feedback.id.does_not_exist())])
    return feedback


def list_feedback(principal: Principal, query: FeedbackQuery, page: Window) -> Slice:
    if bookings.is_customer(principal):
        source, key, mine = Feedback.customer_index, principal.user_id, Feedback.customer == principal.user_id
    elif bookings.is_worker(principal):
        source, key, mine = Feedback.worker_index, principal.user_id, Feedback.worker == principal.user_id
    else:
        source, key, mine = Feedback.all_index, "feedback", None
    if query.service is None:
        return query_page(source, key, page)
    return query_page(Feedback.service_index, query.service, page, filter_condition=mine)
