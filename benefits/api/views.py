from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from benefits.models import Benefit
from benefits.selectors import benefit_get, category_tree
from bookshelf.api.auth import HasScope
from bookshelf.api.common import BoundedPagination, ErrorSerializer, StrictQueryParamsMixin
from bookshelf.models import ShelfCell

from .filters import BenefitFilter
from .serializers import BenefitOutSerializer, CategoryNodeSerializer

BENEFIT_EXAMPLE = {
    "code": "MED.02.003",
    "name": "VIP hospital escort",
    "name_zh": "VIP陪诊",
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
}


def _benefits() -> QuerySet[Benefit]:
    return Benefit.objects.select_related("category").prefetch_related(
        Prefetch("shelf_cells", queryset=ShelfCell.objects.order_by("tier"))
    )


class CategoryTreeView(StrictQueryParamsMixin, APIView):
    permission_classes = [HasScope]
    staff_perms = {"GET": "benefits.view_category"}

    @extend_schema(
        summary="The category tree with codes",
        responses={200: CategoryNodeSerializer(many=True)},
        examples=[
            OpenApiExample(
                "Tree",
                value=[
                    {
                        "code": "MED",
                        "name": "Medical care",
                        "name_zh": "就医",
                        "children": [
                            {"code": "MED.01", "name": "Doctors", "name_zh": "", "children": []}
                        ],
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(category_tree())


class BenefitListView(StrictQueryParamsMixin, generics.ListAPIView):
    """The catalog, ordered by code, filterable and paginated."""

    permission_classes = [HasScope]
    staff_perms = {"GET": "benefits.view_benefit"}
    serializer_class = BenefitOutSerializer
    filterset_class = BenefitFilter
    pagination_class = BoundedPagination

    def get_queryset(self) -> QuerySet[Benefit]:
        return _benefits().order_by("code").distinct()

    @extend_schema(
        summary="The benefit catalog",
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


class BenefitDetailView(StrictQueryParamsMixin, APIView):
    permission_classes = [HasScope]
    staff_perms = {"GET": "benefits.view_benefit"}

    @extend_schema(
        summary="One benefit by its code",
        responses={200: BenefitOutSerializer, 404: ErrorSerializer},
        examples=[OpenApiExample("A benefit", value=BENEFIT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, code: str) -> Response:
        benefit = benefit_get(code=code, queryset=_benefits())
        return Response(BenefitOutSerializer(benefit).data)
