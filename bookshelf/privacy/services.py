"""Writes of the privacy room: an export (audited) and an erasure (checked, audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import DomainError
from config.users import acting_user
from customers.models import Customer
from customers.services import pii_access_record

from .erasure import customer_data_erase, erasure_blockers_check, erasure_reason_scrub
from .error_codes import PrivacyErrorCode
from .models import PrivacyRequest, PrivacyRequestKind
from .selectors import customer_data_collect

# The export shows these unmasked: written to the personal-data access log.
EXPORTED_PERSONAL_FIELDS = ["name", "phone", "id_number", "birth_date"]


def _username(user: Any) -> str:
    if user is None:
        return ""
    name = user.get_username() if hasattr(user, "get_username") else str(user)
    return str(name)[:150]


@transaction.atomic
def customer_data_export(
    *,
    customer: Customer,
    user: Any,
    via: str,
    request_id: str = "",
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The customer's own copy of everything held about them, written down as a personal-data
    access and a privacy request (who, when, through what). A fixed number of queries."""
    now = now or timezone.now()
    customer = Customer.objects.select_related("agent").get(pk=customer.pk)
    document = customer_data_collect(customer=customer, now=now)
    if customer.erased_at is None:
        pii_access_record(
            user=user,
            customer=customer,
            fields=EXPORTED_PERSONAL_FIELDS,
            view_name=via,
            request_id=request_id,
            remote_addr=remote_addr,
        )
    summary = {
        name: len(rows) if isinstance(rows, list) else 1
        for name, rows in document["sections"].items()
    }
    PrivacyRequest.objects.create(
        kind=PrivacyRequestKind.EXPORT,
        customer=customer,
        customer_no=customer.customer_no,
        user=acting_user(user),
        username=_username(user),
        via=via[:40],
        summary=summary,
        created_at=now,
    )
    return document


def customer_erase(
    *, customer: Customer, user: Any, reason: str, via: str, now: datetime | None = None
) -> PrivacyRequest:
    """Anonymise the customer on their request (see `bookshelf.privacy.erasure` for what goes
    and what stays). Refused, changing nothing, while a policy is in force, a legal hold is
    set, or when already erased. The audit row keeps who, when, through what and the reason
    (the customer's own details taken out of it), never the erased data."""
    if not (reason or "").strip():
        raise DomainError(
            PrivacyErrorCode.REASON_REQUIRED,
            _("Say why the data is erased (the customer's request, its date or reference)."),
            field="reason",
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        erasure_blockers_check(customer=locked)
        audit_reason = erasure_reason_scrub(reason, customer=locked)
        report = customer_data_erase(customer=locked, now=now)
        return PrivacyRequest.objects.create(
            kind=PrivacyRequestKind.ERASURE,
            customer=locked,
            customer_no=locked.customer_no,
            user=acting_user(user),
            username=_username(user),
            via=via[:40],
            reason=audit_reason,
            summary=report.rows,
            created_at=now,
        )


@transaction.atomic
def customer_legal_hold_set(*, customer: Customer, hold: bool, reason: str = "") -> Customer:
    """Set or lift a legal hold. Setting one needs a reason (the case, the authority)."""
    reason = (reason or "").strip()
    if hold and not reason:
        raise DomainError(
            PrivacyErrorCode.REASON_REQUIRED,
            _("Say why the customer's data is held (the case or the authority asking)."),
            field="legal_hold_reason",
        )
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    locked.legal_hold = hold
    locked.legal_hold_reason = reason[:255] if hold else ""
    locked.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
    return locked
