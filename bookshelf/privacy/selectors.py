"""Reads of the privacy room: the export document, and whether a user may export or erase."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from customers.models import Customer
from customers.pii import can_view_pii

from .export import EXPORT_SECTIONS, customer_data_document

ERASE_PERMISSION = "customers.erase_customer"


def customer_data_collect(*, customer: Customer, now: datetime) -> dict[str, Any]:
    """Everything held about the customer (one query per section: `EXPORT_SECTIONS`)."""
    return customer_data_document(customer=customer, now=now)


def export_section_names() -> list[str]:
    return [section.name for section in EXPORT_SECTIONS]


def user_may_export(user: Any) -> bool:
    """The export shows the numbers unmasked: the personal-data permission is needed (and the
    caller scopes the customers to those the user may see)."""
    return can_view_pii(user)


def user_may_erase(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_active", False)
        and (getattr(user, "is_superuser", False) or user.has_perm(ERASE_PERMISSION))
    )
