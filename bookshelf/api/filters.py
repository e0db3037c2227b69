from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ..models import Redemption, RedemptionStatus, Source


class RedemptionFilter(django_filters.FilterSet):
    benefit = django_filters.CharFilter(field_name="benefit_code", help_text=_("Benefit code."))
    category = django_filters.CharFilter(
        method="filter_category", help_text=_("Category code; a prefix matches its branch.")
    )
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    status = django_filters.ChoiceFilter(choices=RedemptionStatus.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)

    class Meta:
        model = Redemption
        fields: list[str] = []

    def filter_category(self, queryset: QuerySet[Redemption], name: str, value: str) -> Any:
        prefix = value.strip().upper().rstrip(".")
        return queryset.filter(
            Q(benefit__category__path_code=prefix)
            | Q(benefit__category__path_code__startswith=prefix + ".")
        )
