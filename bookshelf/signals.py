"""Cache plumbing, not business rules: any write to what the per-tier shelf cache holds
(benefits, categories, shelf cells, eligibility) bumps the cache version after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import shelf_cache


def _bump(**_kwargs: Any) -> None:
    transaction.on_commit(shelf_cache.invalidate)


def connect() -> None:
    from benefits.models import Benefit, Category

    from .models import Eligibility, ShelfCell

    for model in (Benefit, Category, ShelfCell, Eligibility):
        post_save.connect(_bump, sender=model, dispatch_uid=f"shelf-cache-{model.__name__}-save")
        post_delete.connect(
            _bump, sender=model, dispatch_uid=f"shelf-cache-{model.__name__}-delete"
        )
