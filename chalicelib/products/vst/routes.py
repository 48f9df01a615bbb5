"""VST's HTTP surface (specs/vst.md): parse, validate, check the role, call the services.

Lists are plain JSON arrays as the spec shows, paginated in core's `LINK_PAGING` (core/paging.py owns the page
size rule): the next page is in the `Link` header (and its signed cursor in `X-Next-Cursor`). Errors are DRF's shape
(`{"detail": "..."}`, or `{"field": ["..."]}` for a 400).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.api import Api, Call, Reply
from chalicelib.core.errors import render_detail
from chalicelib.core.files.answer import FileReply
from chalicelib.core.jobs.routes import register_job_routes
from chalicelib.core.lazyschemas import Schemas
from chalicelib.core.paging import LINK_PAGING
from chalicelib.products.vst import auth
from chalicelib.products.vst.clock import clock
from chalicelib.products.vst.models import PRODUCT
from chalicelib.products.vst.services import (
    attendance,
    autoassign,
    bookings,
    cards,
    entries,
    exports,
    feedback,
    lifecycle,
    otp,
    users,
    warranty,
)
from chalicelib.products.vst.services.common import ADMIN, CUSTOMER, WORKER
from chalicelib.products.vst.settings import settings

if TYPE_CHECKING:
    from chalicelib.products.vst.schemas import (
        AutoAssignOut,
        BookingOut,
        BulkMarkedOut,
        CardDetailOut,
        CardOut,
        CompletedOut,
        DetailOut,
        FeedbackOut,
        MarkedOut,
        MyAttendanceOut,
        ServiceDetailOut,
        ServiceEntryOut,
        ServiceOut,
        TokenPairOut,
        UserOut,
    )

S = Schemas("chalicelib.products.vst.schemas")  # loaded on first use (core/lazyschemas.py)

EVERYONE = frozenset({CUSTOMER, WORKER, ADMIN})
ADMINS = frozenset({ADMIN})

api = Api(PRODUCT, render_detail, title="VST", paging=LINK_PAGING)


def _user(user: object) -> UserOut:
    return S.UserOut.model_validate(user, from_attributes=True)


def _pair(pair: object) -> TokenPairOut:
    return S.TokenPairOut(access=pair.access, refresh=pair.refresh)  # type: ignore[attr-defined]


# -- auth (core.auth.flows on VST's user store) ------------------------------------------------
@api.route("/api/auth/login/", ["POST"], public=True, request=S.LoginIn, response=S.TokenPairOut, errors=(401, 429))
def login(call: Call) -> TokenPairOut:
    """Phone and password for an access and a refresh token (throttled per phone and address)."""
    return _pair(auth.flows().login(call.body.phone, call.body.password, call.request))


@api.route("/api/auth/token/register/", ["POST"], public=True, request=S.RegisterIn, response=S.TokenPairOut,
           status=201, errors=(429,))
def register(call: Call) -> TokenPairOut:
    """A new customer account (never another role), logged in at once."""
    user = users.register_customer(call.body)
    return _pair(auth.flows().tokens.issue(users.principal_of(user)))


@api.route("/api/auth/token/refresh/", ["POST"], public=True, request=S.RefreshIn, response=S.TokenPairOut,
           errors=(401,))
def refresh(call: Call) -> TokenPairOut:
    """A new access token and a new refresh token; the refresh token sent is used up."""
    return _pair(auth.flows().refresh(call.body.refresh))


@api.route("/api/auth/me/", ["GET"], roles=EVERYONE, response=S.UserOut)
def me(call: Call) -> UserOut:
    """The caller's profile."""
    return _user(auth.flows().me(call.user))


@api.route("/api/auth/me/", ["PATCH"], roles=EVERYONE, request=S.MePatch, response=S.UserOut)
def patch_me(call: Call) -> UserOut:
    """Change one's own name or address (role, phone and region are left as they are)."""
    return _user(users.update_me(auth.flows().me(call.user), call.body))


# -- users (admin) ---------------------------------------------------------------------------
@api.route("/api/auth/admin/users/", ["GET"], roles=ADMINS, query=S.UserQuery, response=list[S.UserOut],
           paginated=True)
def list_users(call: Call) -> Reply:
    """Every user by id; `?role=` one role, `?phone=` the user of that phone."""
    query = call.query_model
    return call.listing(lambda window: users.list_users(window, phone=query.phone, role=query.role), S.UserOut)


@api.route("/api/auth/admin/users/{id:int}/", ["GET"], roles=ADMINS, response=S.UserOut)
def get_user(call: Call) -> UserOut:
    return _user(users.get_user(call.path["id"]))


@api.route("/api/auth/admin/users/{id:int}/update/", ["PATCH"], roles=ADMINS, request=S.UserPatch,
           response=S.UserOut, errors=(409,))
def update_user(call: Call) -> UserOut:
    """Change a user's name, phone, role, region or address."""
    return _user(users.update_user(call.path["id"], call.body))


@api.route("/api/auth/admin/users/{id:int}/change-password/", ["POST"], roles=ADMINS, request=S.PasswordResetIn,
           response=S.DetailOut)
def change_password(call: Call) -> DetailOut:
    """Set a user's password: the old one stops working, refresh tokens issued before are refused."""
    users.reset_password(call.path["id"], call.body.new_password)
    return S.DetailOut(detail="Password changed successfully")


# -- cards -------------------------------------------------------------------------------------
CARD_WRITERS = frozenset({ADMIN, CUSTOMER})  # customers only when CRM_ALLOW_CUSTOMER_CARD_CREATE (services)


def _card(card: object) -> CardOut:
    return S.CardOut.model_validate(card, from_attributes=True)


@api.route("/api/crm/cards/", ["GET"], roles=EVERYONE, query=S.CardQuery, response=list[S.CardOut], paginated=True)
def list_cards(call: Call) -> Reply:
    """Cards by id; a customer sees only their own. Filters: customer, region, card_type, search."""
    return call.listing(lambda window: cards.list_cards(call.user, call.query_model, window), S.CardOut)


@api.route("/api/crm/cards/", ["POST"], roles=CARD_WRITERS, request=S.CardIn, response=S.CardOut, status=201)
def create_card(call: Call) -> CardOut:
    """Create a card (admins; a customer their own when the stage allows it)."""
    return _card(cards.create_card(call.user, call.body))


@api.route("/api/crm/cards/{id:int}/", ["GET"], roles=EVERYONE, response=S.CardDetailOut)
def get_card(call: Call) -> CardDetailOut:
    """The card with its service history (the services of it the caller may see)."""
    card = cards.get_card(call.user, call.path["id"])
    history = [_service(service) for service in bookings.of_card(call.user, card.id)]
    return S.CardDetailOut(**_card(card).model_dump(), services=history)


@api.route("/api/crm/cards/{id:int}/", ["PUT"], roles=CARD_WRITERS, request=S.CardIn, response=S.CardOut,
           errors=(409,))
def replace_card(call: Call) -> CardOut:
    return _card(cards.update_card(call.user, call.path["id"], call.body, partial=False))


@api.route("/api/crm/cards/{id:int}/", ["PATCH"], roles=CARD_WRITERS, request=S.CardPatch, response=S.CardOut,
           errors=(409,))
def patch_card(call: Call) -> CardOut:
    return _card(cards.update_card(call.user, call.path["id"], call.body, partial=True))


@api.route("/api/crm/cards/{id:int}/", ["DELETE"], roles=ADMINS, status=204)
def delete_card(call: Call) -> Reply:
    """Soft delete: the card leaves lists and detail; its services and history stay."""
    cards.delete_card(call.path["id"])
    return Reply(None, status=204)


# -- services (bookings) -----------------------------------------------------------------------
BOOKERS = frozenset({CUSTOMER, ADMIN})  # a customer on their own card, an admin on any (for its owner)


def _service(service: object) -> ServiceOut:
    return S.ServiceOut.model_validate(service, from_attributes=True)


@api.route("/api/crm/services/", ["POST"], roles=BOOKERS, request=S.ServiceIn, response=S.BookingOut, status=201,
           errors=(409,))
def book_service(call: Call) -> BookingOut:
    """Book a service on a card; the server decides free or normal. Starts `pending`."""
    service = bookings.book(call.user, call.body)
    return S.BookingOut(**_service(service).model_dump(), next_steps=bookings.next_steps(service))


@api.route("/api/crm/services/", ["GET"], roles=EVERYONE, query=S.ServiceQuery, response=list[S.ServiceOut],
           paginated=True)
def list_services(call: Call) -> Reply:
    """Services in schedule order (scheduled_at ascending, none last, then created_at), or `?order=created`.
    A customer sees their own, a worker those assigned to them, an admin all."""
    return call.listing(lambda window: bookings.list_services(call.user, call.query_model, window), S.ServiceOut)


@api.route("/api/crm/services/{id:int}/", ["GET"], roles=EVERYONE, response=S.ServiceDetailOut)
def get_service(call: Call) -> ServiceDetailOut:
    """The service with its assigned staff and its status history."""
    service = bookings.visible(call.user, call.path["id"])
    staff = bookings.staff_of(service)
    moves = [{"action": m.action, "from_state": m.from_state, "to_state": m.to_state, "at": m.at,
              "actor": int(m.actor) if m.actor.isdigit() else None} for m in lifecycle.history(service)]
    return S.ServiceDetailOut(**_service(service).model_dump(), history=moves,
                            entries=[entries.render(entry) for entry in entries.of_service(service)],
                            assigned_staff=staff and {"id": staff.id, "name": staff.name, "phone": staff.phone})


@api.route("/api/crm/services/{id:int}/", ["PATCH"], roles=EVERYONE, request=S.ServicePatch, response=S.ServiceOut,
           errors=(409,))
def patch_service(call: Call) -> ServiceOut:
    """Change the description or visit type; `scheduled_at` reschedules, `status: cancelled` cancels."""
    return _service(bookings.update(call.user, call.path["id"], call.body))


@api.route("/api/crm/services/{id:int}/assign/", ["POST"], roles=ADMINS, request=S.AssignIn, response=S.ServiceOut,
           errors=(409,))
def assign_service(call: Call) -> ServiceOut:
    """Assign a worker (and optionally the date): the service becomes `assigned`."""
    return _service(bookings.assign(call.user, call.path["id"], call.body))


@api.route("/api/crm/services/{id:int}/reschedule/", ["POST"], roles=BOOKERS, request=S.RescheduleIn,
           response=S.ServiceOut, errors=(409,))
def reschedule_service(call: Call) -> ServiceOut:
    """Move the visit (the owner within the booking window, or an admin)."""
    return _service(bookings.reschedule(call.user, call.path["id"], call.body))


@api.route("/api/crm/services/{id:int}/cancel/", ["POST"], roles=BOOKERS, response=S.ServiceOut, errors=(409,))
def cancel_service(call: Call) -> ServiceOut:
    """Cancel a service that is not completed (the owner or an admin)."""
    return _service(bookings.cancel(call.user, call.path["id"]))


# -- OTP completion ----------------------------------------------------------------------------
STAFF = frozenset({WORKER, ADMIN})


@api.route("/api/crm/services/{id:int}/request_otp/", ["POST"], roles=STAFF, response=S.OtpSentOut, errors=(409,))
def request_otp(call: Call) -> dict[str, str]:
    """Send the customer a 4-digit OTP by SMS (the assigned worker or an admin); replaces an earlier one."""
    code = otp.request_otp(call.user, call.path["id"])
    answer = {"detail": "otp-sent"}
    if settings().dev_return_otp:  # the embedded stack only: the settings refuse it in a Lambda
        answer["otp"] = code
    return answer


@api.route("/api/crm/services/{id:int}/verify_otp/", ["POST"], roles=frozenset({WORKER}), request=S.VerifyOtpIn,
           response=S.CompletedOut, errors=(409,))
def verify_otp(call: Call) -> CompletedOut:
    """Check the customer's OTP (5 attempts, 10 minutes): completes the service and writes its entry."""
    service, entry = otp.verify_otp(call.user, call.path["id"], call.body)
    return S.CompletedOut(detail="Service completed", service=_service(service), entry=entries.render(entry))


# -- service entries ---------------------------------------------------------------------------
@api.route("/api/crm/service-entries/", ["GET"], roles=EVERYONE, query=S.ServiceEntryQuery,
           response=list[S.ServiceEntryOut], paginated=True)
def list_service_entries(call: Call) -> Reply:
    """The work entries of `?service=` (its customer, its worker, admins), oldest first."""
    return call.listing(lambda window: entries.list_entries(call.user, call.query_model.service, window),
                        entries.render)


@api.route("/api/crm/service-entries/", ["POST"], roles=STAFF, request=S.ServiceEntryIn, response=S.ServiceEntryOut,
           status=201, errors=(409,))
def create_service_entry(call: Call) -> ServiceEntryOut:
    """Log work on a service (its assigned worker, or an admin) once it is assigned."""
    return entries.render(entries.create(call.user, call.body))


# -- feedback ----------------------------------------------------------------------------------
@api.route("/api/crm/feedbacks/", ["POST"], roles=frozenset({CUSTOMER}), request=S.FeedbackIn, response=S.FeedbackOut,
           status=201)
def submit_feedback(call: Call) -> FeedbackOut:
    """Rate a completed service of one's own, 1-5, once."""
    return S.FeedbackOut.model_validate(feedback.submit(call.user, call.body), from_attributes=True)


@api.route("/api/crm/feedbacks/", ["GET"], roles=EVERYONE, query=S.FeedbackQuery, response=list[S.FeedbackOut],
           paginated=True)
def list_feedbacks(call: Call) -> Reply:
    """A customer's own feedback, a worker's on the services they did, every one for admins."""
    return call.listing(lambda window: feedback.list_feedback(call.user, call.query_model, window), S.FeedbackOut)


# -- attendance --------------------------------------------------------------------------------
@api.route("/api/crm/attendance/", ["GET"], roles=ADMINS, query=S.AttendanceQuery, response=list[S.AttendanceOut],
           paginated=True)
def list_attendance(call: Call) -> Reply:
    """Attendance by day then worker; `?user=`, `?date=`, `?status=`."""
    return call.listing(lambda window: attendance.list_attendance(call.query_model, window), S.AttendanceOut)


def _marked(record: object, status: str) -> MarkedOut:
    return S.MarkedOut(detail=f"Marked {status}", attendance_id=record.id)  # type: ignore[attr-defined]


@api.route("/api/crm/attendance/mark_present/", ["POST"], roles=ADMINS, request=S.MarkIn, response=S.MarkedOut,
           errors=(409,))
def mark_present(call: Call) -> MarkedOut:
    """Mark a worker present for a day (today by default); marking again changes nothing."""
    return _marked(attendance.mark(call.body.user, call.body.date, "present", call.user), "present")


@api.route("/api/crm/attendance/mark_absent/", ["POST"], roles=ADMINS, request=S.MarkIn, response=S.MarkedOut,
           errors=(409,))
def mark_absent(call: Call) -> MarkedOut:
    """Mark a worker absent for a day: they are not assigned work that day."""
    return _marked(attendance.mark(call.body.user, call.body.date, "absent", call.user), "absent")


@api.route("/api/crm/attendance/me/", ["GET"], roles=frozenset({WORKER}), response=S.MyAttendanceOut)
def my_attendance(call: Call) -> MyAttendanceOut:
    """Today's status as the admin marked it (null when not marked yet)."""
    today = clock().today()
    return S.MyAttendanceOut(date=today, status=attendance.status_of(int(call.user.subject), today))


@api.route("/api/crm/attendance/bulk/", ["POST"], roles=ADMINS, request=S.BulkMarkIn, response=S.BulkMarkedOut,
           errors=(409,))
def bulk_attendance(call: Call) -> BulkMarkedOut:
    """Mark many workers present or absent for one day."""
    present, absent = attendance.bulk(call.body.date, call.body.present, call.body.absent, call.user)
    return S.BulkMarkedOut(detail="Bulk update complete", present_marked=present, absent_marked=absent)


# -- reports and admin utilities ---------------------------------------------------------------
@api.route("/api/crm/reports/warranty/", ["GET"], roles=ADMINS, query=S.WarrantyQuery, response=list[S.WarrantyRowOut],
           paginated=True)
def warranty_report(call: Call) -> Reply:
    """The free-service milestones (warranty start + 3, 6, 9 months) falling in `?month=YYYY-MM`, by card,
    each `done` when a free service is scheduled within 30 days of it."""
    return call.listing(lambda window: warranty.report_page(call.query_model.month, window), S.WarrantyRowOut)


@api.route("/api/crm/reports/upcoming-services/", ["GET"], roles=ADMINS, query=S.DateRangeQuery,
           response=list[S.ServiceOut], paginated=True)
def upcoming_services(call: Call) -> Reply:
    """Services still to visit scheduled between `from` (default today) and `to` (default 30 days on)."""
    query = call.query_model
    return call.listing(lambda window: bookings.upcoming(query.from_, query.to, window), S.ServiceOut)


@api.route("/api/crm/autoassign/run/", ["POST"], roles=ADMINS, response=S.AutoAssignOut, status=202)
def run_autoassign(call: Call) -> AutoAssignOut:
    """Queue the pending services for assignment to present workers of their region (least loaded first);
    answers at once. The run's outcome is its job (`GET /api/crm/jobs/{job_id}/`)."""
    job_id, queued = autoassign.queue_run(call.user)
    return S.AutoAssignOut(detail="Auto-assign queued", job_id=job_id, queued=queued)


@api.route("/api/crm/admin/export/services/", ["GET"], roles=ADMINS, query=S.ServicesExportQuery, files=("csv", "xlsx"))
def export_services(call: Call) -> FileReply:
    """Services as CSV (or `?format=xlsx`): scheduled between `from` and `to`, else all by id."""
    query = call.query_model
    return FileReply.export(exports.SERVICES, exports.records(query.from_, query.to), kind=query.kind)


register_job_routes(api, autoassign.JOBS, roles=ADMINS, prefix="/api/crm/jobs/")
api.answers_item_of("/api/crm/autoassign/run/", "/api/crm/jobs/")
