"""Phone and ID numbers encrypted at rest, with lookup hashes; existing rows are encrypted here.

The columns widen first (tokens are longer than the numbers), then every row still holding
plain text is encrypted in batches. Rows already encrypted are left alone, so the migration
can be re-run; going back decrypts them.
"""

import customers.fields
import customers.pii
from django.db import migrations, models

BATCH = 1000


def _rows(connection, table, after):
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, phone, id_number FROM {qn(table)} WHERE id > %s ORDER BY id LIMIT %s",
            [after, BATCH],
        )
        return cursor.fetchall()


def _rewrite(apps, schema_editor, convert):
    from customers import pii

    table = apps.get_model("customers", "Customer")._meta.db_table
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(table)} SET phone = %s, id_number = %s, phone_hash = %s, "
        f"id_number_hash = %s, phone_last4 = %s WHERE id = %s"
    )
    last = 0
    while rows := _rows(connection, table, last):
        last = rows[-1][0]
        updates = []
        for pk, phone, id_number in rows:
            changed = convert(pii, phone or "", id_number or "")
            if changed is not None:
                updates.append((*changed, pk))
        if updates:
            with connection.cursor() as cursor:
                cursor.executemany(sql, updates)


def _encrypt(pii, phone, id_number):
    if pii.looks_encrypted(phone) and pii.looks_encrypted(id_number):
        return None
    phone = pii.decrypt_value(phone) if pii.looks_encrypted(phone) else phone
    id_number = (
        pii.decrypt_value(id_number) if pii.looks_encrypted(id_number) else id_number.upper()
    )
    return (
        pii.encrypt_value(phone),
        pii.encrypt_value(id_number),
        pii.pii_hash(phone),
        pii.pii_hash(id_number),
        phone[-4:],
    )


def _decrypt(pii, phone, id_number):
    phone = pii.decrypt_value(phone) if pii.looks_encrypted(phone) else phone
    id_number = pii.decrypt_value(id_number) if pii.looks_encrypted(id_number) else id_number
    return (phone, id_number, "", "", phone[-4:])


def encrypt_existing(apps, schema_editor):
    _rewrite(apps, schema_editor, _encrypt)


def decrypt_existing(apps, schema_editor):
    _rewrite(apps, schema_editor, _decrypt)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_tier_rule_history'),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='id_number_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='ID number lookup hash'),
        ),
        migrations.AddField(
            model_name='customer',
            name='phone_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='phone lookup hash'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='id_number',
            field=customers.fields.EncryptedCharField(max_length=18, validators=[customers.pii.validate_resident_id], verbose_name='resident ID number'),
        ),
        migrations.AlterField(
            model_name='customer',
            name='phone',
            field=customers.fields.EncryptedCharField(max_length=11, validators=[customers.pii.validate_mainland_mobile], verbose_name='mobile phone'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['phone_hash'], name='customer_phone_hash'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['id_number_hash'], name='customer_id_number_hash'),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
