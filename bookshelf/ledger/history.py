"""A customer's uses and purchases as others ask for them: their history (as holder or as
beneficiary), one use looked up under its customer, their purchases."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from config.exceptions import NotFound
from customers.models import Customer

from .error_codes import LedgerErrorCode
from .models import Purchase, Redemption


def redemption_history(*, customer: Customer) -> QuerySet[Redemption]:
    """Every use the customer made or gave (holder or beneficiary), newest first."""
    return (
        Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer))
        .select_related("holder", "beneficiary")
        .order_by("-created_at", "-id")
    )


def redemption_for_customer(*, customer: Customer, redemption_id: int) -> Redemption:
    """A redemption looked up under its customer (as holder or beneficiary), or 404."""
    redemption = (
        Redemption.objects.filter(Q(holder=customer) | Q(beneficiary=customer))
        .select_related("holder", "beneficiary", "benefit")
        .filter(pk=redemption_id)
        .first()
    )
    if redemption is None:
        raise NotFound(
            LedgerErrorCode.REDEMPTION_NOT_FOUND,
            _("This customer has no redemption %(id)s.") % {"id": redemption_id},
        )
    return redemption


def purchase_history(*, customer: Customer) -> QuerySet[Purchase]:
    return Purchase.objects.filter(customer=customer).order_by("-created_at", "-id")
