"""Cross-language starter synonyms (月子 / postpartum, 家电 / appliance, 中医 / TCM, 牙科检查 /
dental check...) added to existing synonym tables. A term staff already have keeps their
meaning (nothing is overwritten); a starter row 0031 changes is changed only where it still
reads as seeded."""

from django.db import migrations

from bookshelf.review.demand_text import SYNONYMS_0031, SYNONYMS_0031_CHANGED


def synonyms_add(apps, schema_editor):
    DemandSynonym = apps.get_model("bookshelf", "DemandSynonym")
    DemandSynonym.objects.bulk_create(
        [DemandSynonym(term=term, canonical=canonical) for term, canonical in SYNONYMS_0031],
        ignore_conflicts=True,
    )
    for term, (was, now) in SYNONYMS_0031_CHANGED.items():
        DemandSynonym.objects.filter(term=term, canonical=was).update(canonical=now)


def synonyms_back(apps, schema_editor):
    DemandSynonym = apps.get_model("bookshelf", "DemandSynonym")
    for term, (was, now) in SYNONYMS_0031_CHANGED.items():
        DemandSynonym.objects.filter(term=term, canonical=now).update(canonical=was)
    for term, canonical in SYNONYMS_0031:  # only rows still as this migration wrote them
        DemandSynonym.objects.filter(term=term, canonical=canonical).delete()


class Migration(migrations.Migration):
    dependencies = [("bookshelf", "0030_translated_texts")]

    operations = [migrations.RunPython(synonyms_add, synonyms_back)]
