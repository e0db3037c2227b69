"""Phone and ID numbers are encrypted at rest, readable as plain text in Python, searchable by
their derived columns, and re-encrypted when the key rotates."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from customers.models import Customer
from customers.pii import (
    PiiKeyError,
    decrypt_value,
    encrypt_value,
    pii_columns,
    pii_hash,
    token_uses_current_key,
)
from customers.selectors import customer_search
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def stored(customer: Customer) -> tuple[str, str, str, str, str]:
    """What the database itself holds, past the model field."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, id_number, phone_last4, phone_hash, id_number_hash "
            "FROM customers_customer WHERE id = %s",
            [customer.pk],
        )
        return cursor.fetchone()


def test_the_database_holds_tokens_and_python_sees_the_numbers():
    customer = make_customer()
    phone, id_number, last4, phone_hash, id_hash = stored(customer)
    for token, plain in ((phone, customer.phone), (id_number, customer.id_number)):
        assert token.startswith("gAAAAA")
        assert plain not in token
        assert decrypt_value(token) == plain
    assert (last4, phone_hash, id_hash) == (
        customer.phone[-4:],
        pii_hash(customer.phone),
        pii_hash(customer.id_number),
    )
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.phone, fresh.id_number) == (customer.phone, customer.id_number)
    # Two encryptions of one number differ: equal numbers cannot be spotted in the table.
    assert encrypt_value(customer.phone) != encrypt_value(customer.phone)


def test_the_column_is_wide_enough_for_the_token_of_any_text_of_the_plain_length():
    for name, plain in (("phone", "中" * 11), ("id_number", "中" * 18)):
        column = Customer._meta.get_field(name).db_type(connection)
        width = int(re.search(r"\((\d+)\)", column).group(1))
        assert len(encrypt_value(plain)) <= width, name


def test_changing_the_phone_updates_the_search_columns_even_with_update_fields():
    customer = make_customer()
    customer.phone = "13999990000"
    customer.save(update_fields=["phone"])
    _phone, _id, last4, phone_hash, _id_hash = stored(customer)
    assert (last4, phone_hash) == ("0000", pii_hash("13999990000"))
    assert list(customer_search(query="13999990000")) == [customer]


def test_search_by_full_phone_or_id_number_goes_through_the_keyed_hash():
    customer = make_customer()
    other = make_customer()
    assert list(customer_search(query=customer.phone)) == [customer]
    assert list(customer_search(query=customer.id_number.lower())) == [customer]
    assert list(customer_search(query=customer.phone[-4:])) == [customer]
    assert other not in customer_search(query=customer.phone)
    assert list(customer_search(query="13700000000")) == []


def test_the_encrypted_columns_cannot_be_filtered_by_mistake():
    customer = make_customer()
    with pytest.raises(FieldError):
        list(Customer.objects.filter(phone=customer.phone))
    with pytest.raises(FieldError):
        list(Customer.objects.filter(id_number__startswith="110105"))
    assert Customer.objects.filter(phone__isnull=False).count() == 1


def test_code_writing_without_the_orm_stores_what_the_field_reads():
    """What a COPY loader does: `pii_columns` gives every stored column as the model would."""
    customer = make_customer()
    columns = pii_columns(phone="13600001234", id_number="11010519491231002x")
    assert set(columns) == {"phone", "phone_last4", "phone_hash", "id_number", "id_number_hash"}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET phone = %s, phone_last4 = %s, phone_hash = %s, "
            "id_number = %s, id_number_hash = %s WHERE id = %s",
            [*columns.values(), customer.pk],
        )
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.phone, fresh.id_number) == ("13600001234", "11010519491231002X")
    assert list(customer_search(query="13600001234")) == [customer]
    assert list(customer_search(query="11010519491231002X")) == [customer]
    # The model writes the same derived columns.
    fresh.save()
    assert stored(fresh)[2:] == (
        columns["phone_last4"],
        columns["phone_hash"],
        columns["id_number_hash"],
    )


def test_keys_rotate_and_a_missing_key_fails_loudly():
    with override_settings(PII_ENCRYPTION_KEYS=[KEY_A]):
        customer = make_customer()
        old_token = stored(customer)[0]
        assert token_uses_current_key(old_token)
    # The new key first, the old one still decrypting.
    with override_settings(PII_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        assert Customer.objects.get(pk=customer.pk).phone == customer.phone
        assert not token_uses_current_key(old_token)
        out = StringIO()
        call_command("rotate_pii_key", "--batch-size", "1", "--no-progress", stdout=out)
        assert "reencrypted: 1" in out.getvalue()
        new_token = stored(customer)[0]
        assert new_token != old_token and token_uses_current_key(new_token)
        out = StringIO()
        call_command("rotate_pii_key", "--no-progress", stdout=out)  # nothing left to do
        assert "reencrypted: 0" in out.getvalue()
    # The old key can go now.
    with override_settings(PII_ENCRYPTION_KEYS=[KEY_B]):
        fresh = Customer.objects.get(pk=customer.pk)
        assert (fresh.phone, fresh.id_number) == (customer.phone, customer.id_number)
    # Dropping a key before rotating loses nothing silently: reading fails, naming no value.
    with override_settings(PII_ENCRYPTION_KEYS=[KEY_A]), pytest.raises(PiiKeyError) as err:
        Customer.objects.get(pk=customer.pk)
    assert customer.phone not in str(err.value)


def test_a_new_hash_key_is_applied_by_the_rotation_command():
    customer = make_customer()
    with override_settings(PII_HASH_KEY="another-hash-key-" + "x" * 32):
        assert list(customer_search(query=customer.phone)) == []  # stale hashes
        call_command("rotate_pii_key", "--no-progress", stdout=StringIO())
        assert list(customer_search(query=customer.phone)) == [customer]
        assert list(customer_search(query=customer.id_number)) == [customer]


def test_without_keys_nothing_is_encrypted_or_read():
    with override_settings(PII_ENCRYPTION_KEYS=[]), pytest.raises(ImproperlyConfigured):
        encrypt_value("13800000000")
    with (
        override_settings(PII_ENCRYPTION_KEYS=["not-a-key"]),
        pytest.raises(ImproperlyConfigured) as err,
    ):
        encrypt_value("13800000000")
    assert "not-a-key" not in str(err.value)
    with override_settings(PII_HASH_KEY=""), pytest.raises(ImproperlyConfigured):
        pii_hash("13800000000")


def test_the_rotation_shows_a_progress_bar(capsys):
    make_customer()
    make_customer()
    call_command("rotate_pii_key", "--batch-size", "1", stdout=StringIO())
    assert "customers" in capsys.readouterr().err  # tqdm writes to stderr
