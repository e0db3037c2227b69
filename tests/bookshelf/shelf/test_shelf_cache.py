"""The per-tier shelf cache: every change product staff make to the shelf shows in the next
read. Invalidation runs when the transaction commits, so the changes below are made inside
`django_capture_on_commit_callbacks(execute=True)`, which runs those callbacks as a commit would.
"""

from decimal import Decimal

import pytest

from benefits.services import benefit_reinstate, benefit_retire
from bookshelf.ledger.selectors import bookshelf_for_customer
from bookshelf.models import QuotaPeriod, Source
from bookshelf.shelf.services import eligibility_set, shelf_cell_remove, shelf_cell_set
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


def tier_entries(customer):
    shelf = bookshelf_for_customer(customer=customer)
    return {e.benefit_id: e for e in shelf.entries if e.source == Source.TIER}


@pytest.fixture
def gold():
    return make_customer(tier=Tier.GOLD)


@pytest.fixture
def benefit():
    return make_benefit(cells={Tier.GOLD: 2}, shareable=True)


def test_the_shelf_is_served_from_the_cache_until_a_commit_invalidates_it(
    gold, benefit, django_capture_on_commit_callbacks
):
    assert tier_entries(gold)[benefit.pk].quota == 2  # warms the cache
    # Without a commit the old cells are still served: the cache is really in use, so the
    # tests below show invalidation at work, not a cache that is never read.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        shelf_cell_set(tier=Tier.GOLD, benefit=benefit, period=QuotaPeriod.CALENDAR_YEAR, quota=5)
    assert callbacks, "changing a shelf cell schedules an invalidation on commit"
    assert tier_entries(gold)[benefit.pk].quota == 2
    for callback in callbacks:
        callback()
    assert tier_entries(gold)[benefit.pk].quota == 5


def test_changing_a_cell_quota_shows_in_the_next_read(
    gold, benefit, django_capture_on_commit_callbacks
):
    assert tier_entries(gold)[benefit.pk].remaining == 2
    with django_capture_on_commit_callbacks(execute=True):
        shelf_cell_set(
            tier=Tier.GOLD,
            benefit=benefit,
            period=QuotaPeriod.CALENDAR_MONTH,
            quota=7,
            family_quota=3,
        )
    entry = tier_entries(gold)[benefit.pk]
    assert (entry.quota, entry.remaining, entry.family_quota) == (7, 7, 3)
    assert entry.period_end.month == entry.period_start.month


def test_retiring_a_benefit_removes_it_and_reinstating_brings_it_back(
    gold, benefit, django_capture_on_commit_callbacks
):
    assert benefit.pk in tier_entries(gold)
    with django_capture_on_commit_callbacks(execute=True):
        benefit_retire(benefit=benefit, reason="Low usage")
    assert benefit.pk not in tier_entries(gold)
    with django_capture_on_commit_callbacks(execute=True):
        benefit_reinstate(benefit=benefit, reason="Asked for again")
    assert benefit.pk in tier_entries(gold)


def test_adding_and_removing_a_cell(gold, benefit, django_capture_on_commit_callbacks):
    other = make_benefit(cells={Tier.PLATINUM: 1})
    assert other.pk not in tier_entries(gold)
    with django_capture_on_commit_callbacks(execute=True):
        shelf_cell_set(tier=Tier.GOLD, benefit=other, period=QuotaPeriod.UNLIMITED, quota=None)
    assert tier_entries(gold)[other.pk].quota is None
    with django_capture_on_commit_callbacks(execute=True):
        shelf_cell_remove(tier=Tier.GOLD, benefit=other)
    assert other.pk not in tier_entries(gold)


def test_a_new_eligibility_rule_shows_in_the_next_read(
    gold, benefit, django_capture_on_commit_callbacks
):
    assert benefit.pk in tier_entries(gold)  # gold customer holds a medical policy
    with django_capture_on_commit_callbacks(execute=True):
        eligibility_set(benefit=benefit, requires_product_line="long_term_life")
    assert benefit.pk not in tier_entries(gold)


def test_renaming_a_benefit_shows_in_the_next_read(
    gold, benefit, django_capture_on_commit_callbacks
):
    tier_entries(gold)
    with django_capture_on_commit_callbacks(execute=True):
        benefit.name_en = "Renamed check-up"
        benefit.save(update_fields=["name", "name_en", "updated_at"])
    assert tier_entries(gold)[benefit.pk].name_en == "Renamed check-up"


def test_a_new_price_shows_in_the_purchasable_list(gold, django_capture_on_commit_callbacks):
    addon = make_benefit(price=Decimal("100"))
    shelf = bookshelf_for_customer(customer=gold)
    assert [v.price for v in shelf.purchasable if v.benefit_id == addon.pk] == ["100.00"]
    with django_capture_on_commit_callbacks(execute=True):
        addon.price = Decimal("80")
        addon.save(update_fields=["price", "updated_at"])
    shelf = bookshelf_for_customer(customer=gold)
    assert [v.price for v in shelf.purchasable if v.benefit_id == addon.pk] == ["80.00"]


def test_a_reader_that_raced_an_invalidation_never_serves_its_old_cells():
    """A reader reads the version, misses, queries the database; the shelf changes and the
    version moves; the reader writes what it read under the version it saw first. That entry
    must never be served."""
    from bookshelf.shelf import cache as shelf_cache

    before = shelf_cache.read({Tier.GOLD})
    assert before.tiers == {}
    shelf_cache.invalidate()  # a change committed while the reader was querying
    shelf_cache.write(before.version, tiers={Tier.GOLD: ["cells built from old rows"]})
    assert shelf_cache.read({Tier.GOLD}).tiers == {}


def test_each_process_keeps_a_copy_but_follows_the_shared_version(gold, benefit):
    """The per-process copy is only used while the shared version is the one it was read
    under: another process's invalidation (a bump of the shared key) is seen at once."""
    from django.core.cache import cache

    from bookshelf.shelf import cache as shelf_cache

    assert tier_entries(gold)[benefit.pk].quota == 2
    ShelfCell_model = benefit.shelf_cells.model
    ShelfCell_model.objects.filter(benefit=benefit).update(quota=9)  # no signal: no bump
    assert tier_entries(gold)[benefit.pk].quota == 2  # served from the copy
    cache.incr(shelf_cache.VERSION_KEY)  # what invalidate() does, from another process
    assert tier_entries(gold)[benefit.pk].quota == 9


def test_named_values_are_kept_in_memory_for_their_version_only():
    """Benefit tags and other values derived from the shelf: a warm read is the version check
    alone, and a bump of the shared version (any process's change) drops them."""
    from django.core.cache import cache

    from bookshelf.shelf import cache as shelf_cache

    shelf_cache.set_named("tags", {1: "fitness"})
    cache.delete(f"{shelf_cache.PREFIX}:named:tags")  # gone from Redis: this process has it
    assert shelf_cache.get_named("tags") == {1: "fitness"}
    cache.incr(shelf_cache.VERSION_KEY)
    assert shelf_cache.get_named("tags") is None
    shelf_cache.set_named("tags", {1: "travel"})
    shelf_cache.forget()  # another process: it reads Redis, then remembers
    assert shelf_cache.get_named("tags") == {1: "travel"}


def _store_unreadable(key: str) -> None:
    """Put an entry the code cannot unpickle under `key`, as code of another release would
    leave it (a pickled class from a module that no longer exists)."""
    from django.core.cache import cache

    raw = b"cbookshelf.selectors\nCellView\n."  # pickle protocol 0: a global, by name
    full = cache.make_and_validate_key(key)
    backend = cache._cache  # the backend's own store: Redis client or local memory
    if hasattr(backend, "get_client"):
        backend.get_client(full, write=True).set(full, raw)
    else:
        backend[full] = raw


def test_entries_another_release_left_are_a_miss_that_is_rewritten(gold, benefit):
    """After a deploy that moved `CellView`, entries of the old release cannot be unpickled.
    They count as missing (not as the cache being down): the reader rebuilds the cells from
    the database and writes them back, so the next read is served from the cache again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookshelf.shelf import cache as shelf_cache

    assert tier_entries(gold)[benefit.pk].quota == 2  # cached under the current version
    shelf_cache.forget()
    _store_unreadable(f"{shelf_cache.PREFIX}:tier:{Tier.GOLD}")
    assert tier_entries(gold)[benefit.pk].quota == 2  # rebuilt from the database
    shelf_cache.forget()  # another process: it reads what was written back
    with CaptureQueriesContext(connection) as ctx:
        assert tier_entries(gold)[benefit.pk].quota == 2
    assert not [q for q in ctx.captured_queries if "bookshelf_shelfcell" in q["sql"]]


def test_the_cache_format_is_part_of_every_key():
    """A release that changes what is cached bumps FORMAT and so reads none of the old keys."""
    from bookshelf.shelf import cache as shelf_cache

    keys = [shelf_cache.VERSION_KEY, shelf_cache.PURCHASABLE_KEY, shelf_cache._tier_key(10)]
    assert all(k.startswith(f"shelf:{shelf_cache.FORMAT}:") for k in keys)
