"""The migration that turns encryption on encrypts the rows already there, leaves rows it
already encrypted alone, and going back restores the plain numbers."""

from __future__ import annotations

from datetime import date
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from customers.pii import decrypt_value, pii_hash
from customers.selectors import customer_search

BEFORE = ("customers", "0004_tier_rule_history")
PHONE, ID_NUMBER = "13512345678", "11010519491231002X"


def _raw() -> tuple[str, str, str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, id_number, phone_last4, phone_hash, id_number_hash "
            "FROM customers_customer WHERE customer_no = 'M1'"
        )
        return cursor.fetchone()


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_rows_are_encrypted_then_decrypted_on_the_way_back():
    # Every app's latest migration, not only this app's: going back to BEFORE also unapplies
    # the other apps' migrations that depend on later customers migrations.
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    executor = _migrate([BEFORE])
    try:
        old = executor.loader.project_state([BEFORE]).apps.get_model("customers", "Customer")
        old.objects.create(
            customer_no="M1",
            name="旧客户",
            birth_date=date(1949, 12, 31),
            gender="M",
            phone=PHONE,
            phone_last4=PHONE[-4:],
            id_number=ID_NUMBER,
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM customers_customer WHERE customer_no = 'M1'")
            assert cursor.fetchone()[0] == PHONE  # plain, as before this change

        _migrate(latest)
        phone, id_number, last4, phone_hash, id_hash = _raw()
        assert phone.startswith("gAAAAA") and PHONE not in phone
        assert (decrypt_value(phone), decrypt_value(id_number)) == (PHONE, ID_NUMBER)
        assert (last4, phone_hash, id_hash) == (PHONE[-4:], pii_hash(PHONE), pii_hash(ID_NUMBER))
        assert [c.customer_no for c in customer_search(query=PHONE)] == ["M1"]

        # Run again (a retried deployment): encrypted rows are left as they are.
        step = import_module("customers.migrations.0005_encrypt_phone_and_id_number")
        before = _raw()
        state_apps = MigrationExecutor(connection).loader.project_state().apps
        step.encrypt_existing(state_apps, SimpleNamespace(connection=connection))
        assert _raw() == before

        _migrate([BEFORE])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT phone, id_number FROM customers_customer WHERE customer_no = 'M1'"
            )
            assert cursor.fetchone() == (PHONE, ID_NUMBER)
    finally:
        _migrate(latest)
        assert not MigrationExecutor(connection).migration_plan(latest)
