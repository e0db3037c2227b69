from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from benefits.models import Benefit, BenefitKind, BenefitStatus
from benefits.selectors import benefits_in_branch
from customers.models import TIER_SLUGS


class BenefitFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(
        method="filter_category", help_text=_("Category code; a prefix matches its whole branch.")
    )
    tier = django_filters.ChoiceFilter(
        choices=[(slug, slug) for slug in TIER_SLUGS],
        method="filter_tier",
        help_text=_("Benefits held by this tier's shelf."),
    )
    status = django_filters.ChoiceFilter(choices=BenefitStatus.choices)
    kind = django_filters.ChoiceFilter(choices=BenefitKind.choices)
    shareable = django_filters.BooleanFilter()
    search = django_filters.CharFilter(method="filter_search", help_text=_("Text search."))

    class Meta:
        model = Benefit
        fields: list[str] = []

    def filter_category(self, queryset: QuerySet[Benefit], name: str, value: str) -> Any:
        return benefits_in_branch(code_prefix=value, queryset=queryset)

    def filter_tier(self, queryset: QuerySet[Benefit], name: str, value: str) -> Any:
        return queryset.filter(shelf_cells__tier=TIER_SLUGS[value])

    def filter_search(self, queryset: QuerySet[Benefit], name: str, value: str) -> Any:
        value = value.strip()[:100]
        return queryset.filter(
            Q(name__icontains=value)
            | Q(name_zh__icontains=value)
            | Q(description__icontains=value)
            | Q(code__icontains=value)
            | Q(provider__icontains=value)
        )
