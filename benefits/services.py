"""Write paths of the catalog: categories, benefits with their codes, and the lifecycle."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import Conflict, DomainError, NotFound
from config.users import acting_user

from . import signals
from .error_codes import BenefitErrorCode
from .models import (
    Benefit,
    BenefitKind,
    BenefitStatus,
    BenefitStatusChange,
    Category,
    FulfilmentKind,
)


def category_create(
    *,
    code: str,
    name: str,
    name_zh_hans: str = "",
    parent: Category | None = None,
    position: int = 0,
) -> Category:
    """A category named in English (`name`) and Chinese (`name_zh_hans`)."""
    category = Category(
        parent=parent, code=code, name_en=name, name_zh_hans=name_zh_hans, position=position
    )
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def benefit_create(
    *,
    category: Category,
    name: str,
    name_zh_hans: str = "",
    description: str = "",
    description_zh_hans: str = "",
    how_to_use: str = "",
    how_to_use_zh_hans: str = "",
    provider: str = "",
    provider_zh_hans: str = "",
    provider_notes: str = "",
    provider_notes_zh_hans: str = "",
    unit: str = "use",
    unit_zh_hans: str = "次",
    kind: str = BenefitKind.INCLUDED,
    price: Decimal | None = None,
    uses_per_purchase: int = 1,
    purchase_valid_days: int = 365,
    shareable: bool = False,
    tags: list[str] | None = None,
    status: str = BenefitStatus.DRAFT,
    fulfilment_kind: str = FulfilmentKind.INSTANT,
) -> Benefit:
    """Create a benefit and give it the next call number in its category (never reused).
    Its texts are given in English (`name`, `description`...) and Chinese (`..._zh_hans`);
    either may be empty (a draft pulled from customers' requests has only their words)."""
    # Take the category's counter under a row lock so two creations never share a number.
    bumped = Category.objects.filter(pk=category.pk).update(
        last_benefit_seq=F("last_benefit_seq") + 1
    )
    if not bumped:
        raise NotFound(
            BenefitErrorCode.CATEGORY_NOT_FOUND,
            _("No category with code %(code)s.") % {"code": category.path_code},
            field="category",
        )
    seq = (
        Category.objects.select_for_update()
        .values_list("last_benefit_seq", flat=True)
        .get(pk=category.pk)
    )
    now = timezone.now()
    benefit = Benefit(
        category=category,
        sequence=seq,
        code=f"{category.path_code}.{seq:03d}",
        name_en=name,
        name_zh_hans=name_zh_hans,
        description_en=description,
        description_zh_hans=description_zh_hans,
        how_to_use_en=how_to_use,
        how_to_use_zh_hans=how_to_use_zh_hans,
        provider_en=provider,
        provider_zh_hans=provider_zh_hans,
        provider_notes_en=provider_notes,
        provider_notes_zh_hans=provider_notes_zh_hans,
        unit_en=unit,
        unit_zh_hans=unit_zh_hans,
        kind=kind,
        price=price,
        uses_per_purchase=uses_per_purchase,
        purchase_valid_days=purchase_valid_days,
        shareable=shareable,
        tags=tags or [],
        status=status,
        fulfilment_kind=fulfilment_kind,
        status_changed_at=now,
        on_shelf_since=now if status == BenefitStatus.ON_SHELF else None,
    )
    benefit.full_clean()
    benefit.save()
    return benefit


# Which lifecycle moves are allowed, from -> to.
_TRANSITIONS: dict[str, set[str]] = {
    BenefitStatus.DRAFT: {BenefitStatus.ON_SHELF, BenefitStatus.RETIRED},
    BenefitStatus.ON_SHELF: {BenefitStatus.UNDER_REVIEW, BenefitStatus.RETIRED},
    BenefitStatus.UNDER_REVIEW: {BenefitStatus.ON_SHELF, BenefitStatus.RETIRED},
    BenefitStatus.RETIRED: {BenefitStatus.ON_SHELF},
}


@transaction.atomic
def benefit_set_status(
    *, benefit: Benefit, status: str, reason: str = "", by: Any = None
) -> Benefit:
    """Move a benefit through its lifecycle. Retiring never deletes: the code stays forever."""
    benefit = Benefit.objects.select_for_update().get(pk=benefit.pk)
    if status not in _TRANSITIONS.get(benefit.status, set()):
        raise Conflict(
            BenefitErrorCode.INVALID_TRANSITION,
            _("A benefit that is %(from)s cannot become %(to)s.")
            % {
                "from": BenefitStatus(benefit.status).label,
                "to": BenefitStatus(status).label if status in BenefitStatus.values else status,
            },
        )
    if status == BenefitStatus.RETIRED and not reason.strip():
        raise DomainError(
            BenefitErrorCode.RETIRE_REASON_REQUIRED,
            _("Say why the benefit is retired."),
            field="reason",
        )
    now = timezone.now()
    previous = benefit.status
    benefit.status = status
    benefit.status_changed_at = now
    fields = ["status", "status_changed_at", "updated_at"]
    if status == BenefitStatus.ON_SHELF and previous != BenefitStatus.UNDER_REVIEW:
        benefit.on_shelf_since = now
        fields.append("on_shelf_since")
    if status == BenefitStatus.RETIRED:
        benefit.retired_at = now
        benefit.retired_reason = reason.strip()[:255]
        fields += ["retired_at", "retired_reason"]
    elif previous == BenefitStatus.RETIRED:
        benefit.retired_at = None
        fields.append("retired_at")
    benefit.save(update_fields=fields)
    BenefitStatusChange.objects.create(
        benefit=benefit,
        from_status=previous,
        to_status=status,
        reason=reason[:255],
        changed_by=acting_user(by),
    )
    signals.benefit_status_changed.send(
        sender=Benefit, benefit=benefit, from_status=previous, to_status=status, reason=reason
    )
    return benefit


def benefit_put_on_shelf(*, benefit: Benefit, by: Any = None) -> Benefit:
    return benefit_set_status(benefit=benefit, status=BenefitStatus.ON_SHELF, by=by)


def benefit_put_under_review(*, benefit: Benefit, reason: str = "", by: Any = None) -> Benefit:
    return benefit_set_status(
        benefit=benefit, status=BenefitStatus.UNDER_REVIEW, reason=reason, by=by
    )


def benefit_retire(*, benefit: Benefit, reason: str, by: Any = None) -> Benefit:
    return benefit_set_status(benefit=benefit, status=BenefitStatus.RETIRED, reason=reason, by=by)


def benefit_reinstate(*, benefit: Benefit, reason: str = "", by: Any = None) -> Benefit:
    return benefit_set_status(benefit=benefit, status=BenefitStatus.ON_SHELF, reason=reason, by=by)
