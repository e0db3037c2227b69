"""The customer's answer to "would you recommend this benefit?" (0-10) after one use."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import Conflict, DomainError
from customers.models import Customer

from .error_codes import LedgerErrorCode
from .models import Redemption, RedemptionFeedback, RedemptionStatus
from .redemptions import redemption_customers_wrote


def _feedback_checked(score: int, comment: str) -> str:
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise DomainError(
            LedgerErrorCode.INVALID,
            _("The score is a whole number from 0 to 10."),
            field="score",
        )
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise DomainError(
            LedgerErrorCode.INVALID,
            _("The comment is at most 2000 characters."),
            field="comment",
        )
    return comment


def _agent_of(redemption: Redemption) -> int | None:
    """The agent who looks after the customer who used it: the beneficiary's, else the
    holder's (a relative with no agent of their own)."""
    agents = dict(
        Customer.objects.filter(
            pk__in={redemption.beneficiary_id, redemption.holder_id}
        ).values_list("pk", "agent_id")
    )
    return agents.get(redemption.beneficiary_id) or agents.get(redemption.holder_id)


@transaction.atomic
def redemption_feedback_create(
    *,
    redemption: Redemption,
    score: int,
    comment: str = "",
    created_at: Any = None,
) -> RedemptionFeedback:
    """Record the customer's answer for one use.

    Once per redemption: a second answer is refused (the unique row decides, so two requests
    racing both cannot win). A cancelled use cannot be rated.
    """
    comment = _feedback_checked(score, comment)
    if redemption.status != RedemptionStatus.COMPLETED:
        raise Conflict(
            LedgerErrorCode.ALREADY_CANCELLED,
            _("A cancelled use cannot be rated."),
        )
    feedback = RedemptionFeedback(
        redemption=redemption,
        customer_id=redemption.beneficiary_id,
        benefit_id=redemption.benefit_id,
        tier_snapshot=redemption.tier_snapshot,
        channel=redemption.channel,
        supplier_id=redemption.supplier_id,
        agent_id=_agent_of(redemption),
        score=score,
        comment=comment,
        created_at=created_at or timezone.now(),
    )
    feedback.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        raise Conflict(
            LedgerErrorCode.FEEDBACK_EXISTS,
            _("This use has already been rated."),
        ) from None
    redemption_customers_wrote(redemption)
    return feedback
