from __future__ import annotations

from typing import Any

from rest_framework import serializers

from benefits.models import Benefit
from customers.models import Tier


class CategoryNodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    children = serializers.ListField(child=serializers.DictField())


class ShelfCellOutSerializer(serializers.Serializer):
    tier = serializers.CharField()
    period = serializers.CharField()
    quota = serializers.IntegerField(allow_null=True)
    family_quota = serializers.IntegerField()


class BenefitOutSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    category = serializers.CharField(source="category.path_code")
    cells = serializers.SerializerMethodField()

    class Meta:
        model = Benefit
        fields = [
            "code",
            "name",
            "name_zh",
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
        ]

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
