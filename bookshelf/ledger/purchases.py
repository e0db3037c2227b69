"""Buying a paid add-on: the price is snapshotted and the purchase grants its uses."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import BenefitStatus
from benefits.selectors import benefit_get
from config.exceptions import Conflict, DomainError, NotAllowed
from config.replicas import customer_wrote
from customers.models import Customer

from ..integrations.models import WebhookEventType
from ..integrations.services import event_emit
from ..shelf.selectors import benefit_view, eligibility_problem
from .error_codes import LedgerErrorCode
from .household import household_load
from .models import Purchase
from .redemptions import refuse


def _purchase_checked(quantity: int, payment_reference: str) -> str:
    if not 1 <= quantity <= 100:
        raise DomainError(
            LedgerErrorCode.INVALID, _("Quantity must be 1 to 100."), field="quantity"
        )
    if not payment_reference.strip():
        raise DomainError(
            LedgerErrorCode.INVALID,
            _("A payment reference is required."),
            field="payment_reference",
        )
    return payment_reference.strip()


@transaction.atomic
def purchase_create(
    *,
    customer: Customer,
    benefit_code: str,
    quantity: int,
    payment_reference: str,
    idempotency_key: str = "",
    today: date | None = None,
) -> Purchase:
    """Buy a priced benefit: the price is snapshotted and the purchase grants its uses."""
    today = today or timezone.localdate()
    reference = _purchase_checked(quantity, payment_reference)
    benefit = benefit_get(code=benefit_code)
    if benefit.price is None or benefit.status != BenefitStatus.ON_SHELF:
        raise NotAllowed(
            LedgerErrorCode.NOT_PURCHASABLE,
            _("This benefit cannot be bought."),
            field="benefit",
        )
    household = household_load(customer=customer)
    problem = eligibility_problem(
        benefit_view(benefit),
        holder_lines=household.lines_of(customer.pk),
        beneficiary=customer,
        today=today,
    )
    if problem:
        raise refuse(problem)
    price = benefit.price
    purchase = Purchase(
        customer=customer,
        benefit=benefit,
        quantity=quantity,
        unit_price=price,
        total_price=(price * quantity).quantize(Decimal("0.01")),
        uses_granted=quantity * benefit.uses_per_purchase,
        valid_from=today,
        valid_until=today + timedelta(days=benefit.purchase_valid_days - 1),
        payment_reference=reference,
        idempotency_key=idempotency_key,
        benefit_code=benefit.code,
    )
    try:
        with transaction.atomic():
            purchase.save()
    except IntegrityError:
        raise Conflict(
            LedgerErrorCode.DUPLICATE_PAYMENT_REFERENCE,
            _("This payment reference was already used for another purchase."),
            field="payment_reference",
        ) from None
    customer_wrote(customer.customer_no)
    event_emit(
        WebhookEventType.PURCHASE_COMPLETED,
        {
            "purchase_id": purchase.pk,
            "customer_no": customer.customer_no,
            "benefit": benefit.code,
            "quantity": quantity,
            "unit_price": str(purchase.unit_price),
            "total_price": str(purchase.total_price),
            "uses_granted": purchase.uses_granted,
            "valid_until": purchase.valid_until.isoformat(),
            "payment_reference": purchase.payment_reference,
        },
    )
    return purchase
