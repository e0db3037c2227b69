from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Redemption, RedemptionStatus, Source


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class RedemptionFilter(django_filters.FilterSet):
    benefit = django_filters.CharFilter(field_name="benefit_code", help_text=_("Benefit code."))
    category = django_filters.CharFilter(
        method="filter_category", help_text=_("Category code; a prefix matches its branch.")
    )
    # As a range on the timestamp itself (local midnights), not on its date: PostgreSQL then
    # prunes the redemption table's monthly partitions outside the range.
    date_from = django_filters.DateFilter(method="filter_date_from")
    date_to = django_filters.DateFilter(method="filter_date_to")
    status = django_filters.ChoiceFilter(choices=RedemptionStatus.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)

    class Meta:
        model = Redemption
        fields: list[str] = []

    def filter_date_from(self, queryset: QuerySet[Redemption], name: str, value: date) -> Any:
        return queryset.filter(created_at__gte=_local_midnight(value))

    def filter_date_to(self, queryset: QuerySet[Redemption], name: str, value: date) -> Any:
        return queryset.filter(created_at__lt=_local_midnight(value + timedelta(days=1)))

    def filter_category(self, queryset: QuerySet[Redemption], name: str, value: str) -> Any:
        prefix = value.strip().upper().rstrip(".")
        return queryset.filter(
            Q(benefit__category__path_code=prefix)
            | Q(benefit__category__path_code__startswith=prefix + ".")
        )
