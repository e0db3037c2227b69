"""Rules beyond tier: whether a benefit's status, the holder's policies and the user's age let
a use happen. One function answers it for the benefit centre, the redemption, the push, the
quota-expiring sweep and the recommender's evaluation alike."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext, gettext_noop

from benefits.models import USABLE_STATUSES, BenefitStatus
from customers.models import Customer, ProductLine

from .cells import CellView
from .error_codes import ShelfErrorCode


@dataclass(frozen=True, slots=True)
class Ineligible:
    """Why a rule refuses a use. Its message is put in the reader's language only when read:
    the benefit centre checks every cell and needs none of them."""

    code: ShelfErrorCode
    text: str  # the message untranslated (marked with gettext_noop where it is written)
    params: Mapping[str, Any] | None = None

    @property
    def message(self) -> str:
        translated = gettext(self.text)
        return translated % dict(self.params) if self.params is not None else translated


def plain(view: CellView) -> bool:
    """A usable cell without eligibility rules: nothing to check per customer."""
    return (
        view.status in USABLE_STATUSES
        and not view.requires_product_line
        and view.min_age is None
        and view.max_age is None
    )


def age_allowed(age: int, *, min_age: int | None, max_age: int | None) -> bool:
    """The age rule of a benefit: within its bounds, either of which may be open."""
    return (min_age is None or age >= min_age) and (max_age is None or age <= max_age)


EligibilityRules = tuple[frozenset[str], tuple[int, ...]]


def eligibility_rules(views: Iterable[CellView]) -> EligibilityRules:
    """What `eligibility_problem` compares a customer with, over these views: the product
    lines some of them require, and the ages at which some age rule changes its answer
    (a minimum's own age, the age after a maximum)."""
    lines = frozenset(v.requires_product_line for v in views if v.requires_product_line)
    bounds: set[int] = set()
    for view in views:
        if view.min_age is not None:
            bounds.add(view.min_age)
        if view.max_age is not None:
            bounds.add(view.max_age + 1)
    return lines, tuple(sorted(bounds))


def eligibility_key(
    rules: EligibilityRules, holder_lines: Set[str], beneficiary: Customer, today: date
) -> tuple[frozenset[str], int]:
    """Customers with the same key get the same answer from `eligibility_problem` for
    every view `rules` was taken from: the required lines the holder has, and where the
    beneficiary's age falls among the age bounds. Whatever rule reads more of a customer
    must add it here and to `eligibility_rules`."""
    lines, bounds = rules
    held = frozenset(lines & holder_lines) if lines else frozenset()
    return held, bisect.bisect_right(bounds, beneficiary.age_on(today)) if bounds else 0


def eligibility_problem(
    view: CellView, *, holder_lines: Set[str], beneficiary: Customer, today: date
) -> Ineligible | None:
    """Rules beyond tier. The holder's policies open the benefit; the user's age must fit."""
    if view.status == BenefitStatus.RETIRED:
        return Ineligible(
            ShelfErrorCode.BENEFIT_RETIRED, gettext_noop("This benefit has been retired.")
        )
    if view.status not in USABLE_STATUSES:
        return Ineligible(
            ShelfErrorCode.BENEFIT_NOT_AVAILABLE,
            gettext_noop("This benefit is not on the shelf yet."),
        )
    if view.requires_product_line and view.requires_product_line not in holder_lines:
        return Ineligible(
            ShelfErrorCode.PRODUCT_LINE_REQUIRED,
            gettext_noop("This benefit needs an in-force %(line)s policy."),
            {"line": ProductLine(view.requires_product_line).label},
        )
    if view.min_age is not None or view.max_age is not None:
        age = beneficiary.age_on(today)
        if not age_allowed(age, min_age=view.min_age, max_age=view.max_age):
            return Ineligible(
                ShelfErrorCode.AGE_NOT_ELIGIBLE,
                gettext_noop("This benefit is for ages %(min)s to %(max)s."),
                {"min": view.min_age or 0, "max": view.max_age or "∞"},
            )
    return None
