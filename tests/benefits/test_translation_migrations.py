"""The migrations to translated columns move today's texts: `name` becomes `name_en`,
`name_zh` becomes `name_zh_hans`, the other texts become their English (also in the benefit's
history, a suggestion's reason and a consent text), and going back restores the old columns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("benefits", "0002_benefit_history"),
    ("customers", "0008_customer_legal_hold_erasure"),
    ("bookshelf", "0028_redemption_cancelled_by_reason"),
]


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor


def _old_rows(apps) -> None:
    category = apps.get_model("benefits", "Category").objects.create(
        code="MED", path_code="MED", name="Medical care", name_zh="就医"
    )
    fields = {
        "category": category,
        "code": "MED.001",
        "sequence": 1,
        "name": "VIP hospital escort",
        "name_zh": "VIP陪诊",
        "description": "An escort through the visit.",
        "how_to_use": "Book in the app.",
        "unit": "escort",
        "provider": "Acme Health",
    }
    benefit = apps.get_model("benefits", "Benefit").objects.create(**fields)
    apps.get_model("benefits", "HistoricalBenefit").objects.create(
        id=benefit.pk,
        category_id=category.pk,
        history_date="2026-01-01T00:00:00Z",
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        history_type="+",
        **{k: v for k, v in fields.items() if k != "category"},
    )
    customer = apps.get_model("customers", "Customer").objects.create(
        customer_no="M1", name="旧客户", birth_date="1960-01-01", gender="M"
    )
    apps.get_model("bookshelf", "AgentSuggestion").objects.create(
        customer=customer, benefit=benefit, reason="Claim filed", reason_zh="已报案", dedupe_key="k"
    )
    apps.get_model("customers", "ConsentText").objects.create(
        purpose="marketing_sms", version="old-v1", text="I agree to SMS."
    )


def _raw(sql: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_todays_texts_move_to_the_language_columns_and_back():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    executor = _migrate(BEFORE)
    try:
        _old_rows(executor.loader.project_state(BEFORE).apps)
        _migrate(latest)
        assert _raw(
            "SELECT name_en, name_zh_hans, description_en, description_zh_hans, how_to_use_en, "
            "unit_en, provider_en FROM benefits_benefit WHERE code = 'MED.001'"
        ) == (
            "VIP hospital escort",
            "VIP陪诊",
            "An escort through the visit.",
            None,
            "Book in the app.",
            "escort",
            "Acme Health",
        )
        assert _raw(
            "SELECT name_en, name_zh_hans, unit_en FROM benefits_historicalbenefit "
            "WHERE code = 'MED.001'"
        ) == ("VIP hospital escort", "VIP陪诊", "escort")
        assert _raw("SELECT name_en, name_zh_hans FROM benefits_category") == (
            "Medical care",
            "就医",
        )
        assert _raw("SELECT reason_en, reason_zh_hans FROM bookshelf_agentsuggestion") == (
            "Claim filed",
            "已报案",
        )
        assert _raw(
            "SELECT text_en, text_zh_hans FROM customers_consenttext WHERE version = 'old-v1'"
        ) == ("I agree to SMS.", None)
        columns = [
            c.name
            for c in connection.introspection.get_table_description(
                connection.cursor(), "benefits_benefit"
            )
        ]
        assert "name_zh" not in columns and "provider_notes_zh_hans" in columns

        _migrate(BEFORE)
        assert _raw("SELECT name, name_zh FROM benefits_benefit WHERE code = 'MED.001'") == (
            "VIP hospital escort",
            "VIP陪诊",
        )
        assert _raw("SELECT reason, reason_zh FROM bookshelf_agentsuggestion") == (
            "Claim filed",
            "已报案",
        )
    finally:
        _migrate(latest)
