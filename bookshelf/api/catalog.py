"""The catalog: the category tree with its codes, and the benefits (filtered, paginated,
each with the shelf cells that hold it). Here rather than in `benefits`, because a benefit's
cells are the shelf's and the catalog app knows nothing of the shelf."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from benefits.models import Benefit, BenefitKind, BenefitStatus
from benefits.selectors import benefit_get, benefits_in_branch, category_tree
from benefits.text import SUFFIXES, translations
from customers.models import TIER_SLUGS, Tier

from ..shelf.models import ShelfCell
from .auth import HasScope
from .common import BoundedPagination, ErrorSerializer, ReplicaReadsMixin, StrictQueryParamsMixin

# The texts the catalog answers in both languages (`translations`).
CATALOG_TEXTS = ("name", "description", "how_to_use", "unit", "provider")


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
        found = Q(code__icontains=value)
        for text in ("name", "description", "provider"):
            for suffix in SUFFIXES.values():
                found |= Q(**{f"{text}_{suffix}__icontains": value})
        return queryset.filter(found)


class CategoryNodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="In the reader's language (else the other one).")
    translations = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text='The name in each language as stored: {"en": {"name": ...}, "zh-hans": {...}}.',
    )
    children = serializers.ListField(child=serializers.DictField())


class BenefitOutSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    category = serializers.CharField(source="category.path_code")
    cells = serializers.SerializerMethodField()
    translations = serializers.SerializerMethodField(
        help_text=(
            "The texts in each language as stored (empty where one is missing): "
            '{"en": {"name": ..., "description": ..., "how_to_use": ..., "unit": ..., '
            '"provider": ...}, "zh-hans": {...}}. `name`, `description`, `how_to_use`, `unit` '
            "and `provider` above are the reader's language, else the other one."
        )
    )

    class Meta:
        model = Benefit
        fields = [
            "code",
            "name",
            "category",
            "description",
            "how_to_use",
            "provider",
            "unit",
            "kind",
            "price",
            "uses_per_purchase",
            "shareable",
            "status",
            "on_shelf_since",
            "retired_at",
            "cells",
            "translations",
        ]
        extra_kwargs = {
            "price": {"help_text": "In yuan; null when the benefit cannot be bought."},
            "on_shelf_since": {"help_text": "Null while it was never on the shelf (a draft)."},
            "retired_at": {"help_text": "Null unless it is retired."},
        }

    def get_translations(self, obj: Benefit) -> dict[str, dict[str, str]]:
        return translations(obj, CATALOG_TEXTS)

    def get_cells(self, obj: Benefit) -> list[dict[str, Any]]:
        return [
            {
                "tier": Tier(cell.tier).slug,
                "period": cell.period,
                "quota": cell.quota,
                "family_quota": cell.family_quota,
            }
            for cell in obj.shelf_cells.all()
        ]


BENEFIT_EXAMPLE = {
    "code": "MED.02.003",
    "name": "VIP hospital escort",
    "category": "MED.02",
    "description": "A staff member escorts the customer through a hospital visit.",
    "how_to_use": "Book 48 hours ahead in the app or call 95511.",
    "provider": "Ping An Health",
    "unit": "escort",
    "kind": "included",
    "price": None,
    "uses_per_purchase": 1,
    "shareable": True,
    "status": "on_shelf",
    "on_shelf_since": "2025-03-01T09:00:00+08:00",
    "retired_at": None,
    "cells": [
        {"tier": "platinum", "period": "calendar_year", "quota": 2, "family_quota": 1},
        {"tier": "diamond", "period": "calendar_year", "quota": 4, "family_quota": 2},
    ],
    "translations": {
        "en": {
            "name": "VIP hospital escort",
            "description": "A staff member escorts the customer through a hospital visit.",
            "how_to_use": "Book 48 hours ahead in the app or call 95511.",
            "unit": "escort",
            "provider": "Ping An Health",
        },
        "zh-hans": {
            "name": "VIP陪诊",
            "description": "专人全程陪同就医：挂号、候诊、检查、取药一路陪同。",
            "how_to_use": "请至少提前48小时在App预约，或致电95511。",
            "unit": "次",
            "provider": "平安健康",
        },
    },
}


def _benefits() -> QuerySet[Benefit]:
    return Benefit.objects.select_related("category").prefetch_related(
        Prefetch("shelf_cells", queryset=ShelfCell.objects.order_by("tier"))
    )


class CategoryTreeView(ReplicaReadsMixin, StrictQueryParamsMixin, APIView):
    permission_classes = [HasScope]
    staff_perms = {"GET": "benefits.view_category"}

    @extend_schema(
        operation_id="categories_list",
        summary="The category tree with codes",
        description="Every benefit category, top level first, each with its sub-categories "
        "(`children`, the same shape). A category's `code` is the prefix of its benefits' "
        "codes: filter the catalog with it (`GET /benefits?category=MED`).",
        responses={200: CategoryNodeSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Tree",
                value=[
                    {
                        "code": "MED",
                        "name": "Medical care",
                        "translations": {
                            "en": {"name": "Medical care"},
                            "zh-hans": {"name": "就医"},
                        },
                        "children": [
                            {
                                "code": "MED.01",
                                "name": "Doctors",
                                "translations": {
                                    "en": {"name": "Doctors"},
                                    "zh-hans": {"name": ""},
                                },
                                "children": [],
                            }
                        ],
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(category_tree())


class BenefitListView(ReplicaReadsMixin, StrictQueryParamsMixin, generics.ListAPIView):
    permission_classes = [HasScope]
    staff_perms = {"GET": "benefits.view_benefit"}
    serializer_class = BenefitOutSerializer
    filterset_class = BenefitFilter
    pagination_class = BoundedPagination

    def get_queryset(self) -> QuerySet[Benefit]:
        return _benefits().order_by("code").distinct()

    @extend_schema(
        operation_id="benefits_list",
        summary="The benefit catalog",
        description="Every benefit, ordered by code, 50 a page, each with the shelf cells that "
        "hold it (which tier gets how many uses per period). Filter by category branch, "
        "tier, status, kind, shareable or text; a query parameter not listed here is refused "
        "with 400 `unknown_parameter`, so a misspelt filter never returns the whole catalog.",
        responses={200: BenefitOutSerializer(many=True), 400: ErrorSerializer},
        examples=[
            OpenApiExample(
                "Catalog page",
                value={"count": 1, "next": None, "previous": None, "results": [BENEFIT_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class BenefitDetailView(ReplicaReadsMixin, StrictQueryParamsMixin, APIView):
    permission_classes = [HasScope]
    staff_perms = {"GET": "benefits.view_benefit"}

    @extend_schema(
        operation_id="benefit_get",
        summary="One benefit by its code",
        description="The benefit's full catalog entry: its description, how to use it, its "
        "provider, price (paid add-ons) and the shelf cells that hold it.",
        responses={200: BenefitOutSerializer, 404: ErrorSerializer},
        examples=[OpenApiExample("A benefit", value=BENEFIT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, code: str) -> Response:
        benefit = benefit_get(code=code, queryset=_benefits())
        return Response(BenefitOutSerializer(benefit).data)
