"""Code pools: a supplier's file in (all or nothing, encrypted at rest), one code per use
(the soonest-expiring valid one), a cancellation voids it, an empty pool spends nothing,
and the low-stock alert fires once per threshold and re-arms after a restock."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from openpyxl import Workbook

from bookshelf.fulfilment.pools import code_fingerprint, code_open
from bookshelf.fulfilment.services import codes_import, use_cancel, use_request
from bookshelf.integrations.services import idempotent_call
from bookshelf.models import (
    CodePool,
    CodeState,
    Fulfilment,
    IdempotencyRecord,
    PoolCode,
    QuotaBalance,
    Redemption,
    WebhookEvent,
    WebhookSubscription,
)
from config.exceptions import DomainError
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
TODAY_AT = datetime(2026, 3, 10, 9, tzinfo=UTC)
# The queries of a use of a pooled issued benefit while the low-stock alert is armed (the
# last one is the bounded stock probe after commit). Two of them are money's, read in the
# use's round trip of reads: the contract prices in force, the budgets covering the benefit
# (21 while they were read on their own and the use's cost snapshot was an UPDATE after it).
ARMED = 20  # 27 before: the reads in one round trip, the balance in one upsert, no savepoint
# of the ledger's own, the webhook subscribers from the process's memo


def csv_file(*rows: str, header: str = "code,valid_from,valid_until") -> io.BytesIO:
    return io.BytesIO("\n".join([header, *rows]).encode())


def codes(n: int, prefix: str = "CODE", until: str = "2026-12-31") -> io.BytesIO:
    return csv_file(*(f"{prefix}-{i:04d},2026-01-01,{until}" for i in range(n)))


@pytest.fixture
def pool() -> CodePool:
    benefit = make_benefit(cells={Tier.GOLD: None}, fulfilment_kind="issued", name="Coffee voucher")
    supplier = make_supplier("coffee-co", benefits=[benefit], name="Coffee Co")
    return CodePool.objects.create(benefit=benefit, supplier=supplier, low_stock_threshold=3)


def _import(pool: CodePool, file: io.BytesIO, filename: str = "codes.csv", **kw):
    return codes_import(pool=pool, file=file, filename=filename, today=TODAY, **kw)


def _use(customer, pool: CodePool, **kw):
    return use_request(customer=customer, benefit_code=pool.benefit.code, today=TODAY, **kw)


# --- import ---------------------------------------------------------------------------


def test_a_good_file_is_imported_encrypted_at_rest(pool):
    report = _import(pool, csv_file("AB-1001,2026-01-01,2026-06-30", "AB-1002,,", "AB-1003,,"))
    assert (report.rows, report.imported, report.duplicates_in_file) == (3, 3, 0)
    stored = {code_open(c): c for c in PoolCode.objects.filter(pool=pool)}
    assert set(stored) == {"AB-1001", "AB-1002", "AB-1003"}
    first = stored["AB-1001"]
    assert (first.valid_from, first.valid_until) == (date(2026, 1, 1), date(2026, 6, 30))
    assert first.code_hash == code_fingerprint("AB-1001")
    assert stored["AB-1002"].valid_until is None
    # Nothing in the table holds a plain code, in any column.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {PoolCode._meta.db_table}")
        dumped = repr(cursor.fetchall())
    assert "AB-100" not in dumped


def test_duplicates_in_the_file_or_the_pool_are_counted_and_skipped(pool):
    _import(pool, csv_file("A-1,,", "A-2,,"))
    report = _import(pool, csv_file("A-2,,", "A-3,,", "A-3,,", "A-4,,"))
    assert (report.rows, report.imported) == (4, 2)
    assert (report.duplicates_in_file, report.duplicates_in_pool) == (1, 1)
    assert sorted(code_open(c) for c in PoolCode.objects.filter(pool=pool)) == [
        "A-1",
        "A-2",
        "A-3",
        "A-4",
    ]


def test_a_bad_file_is_refused_whole_naming_its_rows_and_changes_nothing(pool):
    _import(pool, csv_file("KEEP-1,,"))
    bad = csv_file(
        "OK-1,2026-01-01,2026-12-31",
        ",2026-01-01,2026-12-31",  # line 3: empty code
        "OK-2,2026/01/01,",  # line 4: not YYYY-MM-DD
        "OK-3,2026-05-01,2026-04-30",  # line 5: ends before it starts
        "X" * 65 + ",,",  # line 6: too long
        "OK-4,2026-13-01,",  # line 7: no such month
    )
    with pytest.raises(DomainError) as caught:
        _import(pool, bad)
    error = caught.value
    assert (error.code, error.status) == ("code_file_invalid", 400)
    assert [r["row"] for r in error.extra["rows"]] == [3, 4, 5, 6, 7]
    assert error.extra["rows_at_fault"] == 5
    assert [code_open(c) for c in PoolCode.objects.filter(pool=pool)] == ["KEEP-1"]


def test_a_file_without_a_code_column_is_refused(pool):
    with pytest.raises(DomainError) as caught:
        _import(pool, csv_file("A-1,,", header="voucher,from,until"))
    assert caught.value.code == "code_file_invalid"
    assert not PoolCode.objects.exists()


def test_chinese_headers_in_csv_and_xlsx(pool):
    report = _import(
        pool, csv_file("中-1,2026-01-01,2026-12-31", header="\ufeff券码,生效日期,失效日期")
    )
    assert report.imported == 1
    book = Workbook()
    sheet = book.active
    sheet.append(["失效日期", "券码"])  # any order, the validity start left out
    sheet.append([date(2026, 9, 30), "XL-1"])
    sheet.append(["2026-10-31", "XL-2"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    report = _import(pool, data, filename="codes.xlsx")
    assert report.imported == 2
    until = {code_open(c): c.valid_until for c in PoolCode.objects.filter(pool=pool)}
    assert until == {
        "中-1": date(2026, 12, 31),
        "XL-1": date(2026, 9, 30),
        "XL-2": date(2026, 10, 31),
    }


def test_check_only_reports_and_writes_nothing(pool):
    report = _import(pool, codes(4), check_only=True)
    assert (report.imported, report.checked_only) == (4, True)
    assert not PoolCode.objects.exists()


# --- claims ---------------------------------------------------------------------------


def test_a_use_claims_the_soonest_expiring_valid_code_never_an_expired_or_future_one(pool):
    _import(
        pool,
        csv_file(
            "LATE,2026-01-01,2026-12-31",
            "NO-END,2026-01-01,",
            "EXPIRED,2026-01-01,2026-03-09",  # the day before TODAY
            "FUTURE,2026-03-11,2026-03-20",  # from tomorrow
            "SOON,2026-01-01,2026-03-10",  # valid through TODAY
        ),
    )
    customer = make_customer(tier=Tier.GOLD)
    first = _use(customer, pool)
    assert (first.code, first.code_valid_until) == ("SOON", date(2026, 3, 10))
    assert first.fulfilment.state == "issued"
    assert [_use(customer, pool).code for _ in range(2)] == ["LATE", "NO-END"]
    with pytest.raises(DomainError) as caught:
        _use(customer, pool)
    assert caught.value.code == "code_pool_empty"
    states = {code_open(c): (c.state, c.redemption_id_claimed) for c in PoolCode.objects.all()}
    assert states["EXPIRED"] == ("available", None)
    assert states["FUTURE"] == ("available", None)
    assert states["SOON"] == ("claimed", first.redemption.pk)


def test_a_cancellation_voids_the_code_and_gives_the_use_back(pool):
    _import(pool, codes(2))
    customer = make_customer(tier=Tier.GOLD)
    result = _use(customer, pool)
    use_cancel(redemption=result.redemption, reason="changed my mind")
    code = PoolCode.objects.get(redemption_id_claimed=result.redemption.pk)
    assert code.state == CodeState.VOID
    assert Fulfilment.objects.get(pk=result.fulfilment.pk).state == "cancelled"
    balance = QuotaBalance.objects.get(holder=customer, benefit=pool.benefit)
    assert (balance.used, balance.held) == (0, 0)
    # The voided code is never handed out again: the next use takes the other one.
    again = _use(customer, pool)
    assert again.code != result.code
    with pytest.raises(DomainError):
        _use(customer, pool)


def test_an_empty_pool_is_409_and_spends_nothing(pool):
    customer = make_customer(tier=Tier.GOLD)
    _import(pool, codes(1, prefix="FIRST"))
    _use(customer, pool)
    balance = QuotaBalance.objects.get(holder=customer, benefit=pool.benefit)
    before = (balance.used, balance.held, Redemption.objects.count(), Fulfilment.objects.count())

    def run() -> tuple[int, dict]:
        result = _use(customer, pool, idempotency_key="k-1")
        return 201, {"id": result.redemption.pk, "code": result.code}

    with pytest.raises(DomainError) as caught:
        idempotent_call(client_ref="app", key="k-1", fingerprint="f", run=run)
    assert (caught.value.code, caught.value.status) == ("code_pool_empty", 409)
    balance.refresh_from_db()
    after = (balance.used, balance.held, Redemption.objects.count(), Fulfilment.objects.count())
    assert after == before == (1, 1, 1, 1)
    assert not IdempotencyRecord.objects.exists()
    # The same key is free to try again once the pool is restocked.
    _import(pool, codes(1, prefix="SECOND"))
    status, body, replayed = idempotent_call(client_ref="app", key="k-1", fingerprint="f", run=run)
    assert (status, body["code"], replayed) == (201, "SECOND-0000", False)


# --- low stock ------------------------------------------------------------------------


def _alerts() -> list[dict]:
    return list(
        WebhookEvent.objects.filter(type="code_pool.low")
        .order_by("created_at")
        .values_list("payload", flat=True)
    )


def test_low_stock_alerts_once_below_the_threshold_and_again_after_a_restock(
    pool, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.create(name="ops", url="https://hooks.example.com/x", secret="s")
    _import(pool, codes(5))
    customer = make_customer(tier=Tier.GOLD)

    def claim() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            _use(customer, pool)

    claim()
    claim()  # 3 left: not below the threshold of 3
    assert _alerts() == []
    claim()  # 2 left
    alert = _alerts()
    assert len(alert) == 1
    assert {k: alert[0][k] for k in ("benefit", "supplier", "left", "threshold")} == {
        "benefit": pool.benefit.code,
        "supplier": "coffee-co",
        "left": 2,
        "threshold": 3,
    }
    claim()  # 1 left: already told
    assert len(_alerts()) == 1
    pool.refresh_from_db()
    assert pool.low_stock_alerted_at is not None

    # A restock that stays below the threshold does not re-arm it; one to it or above does.
    assert not _import(pool, codes(1, prefix="R1")).rearmed
    report = _import(pool, codes(2, prefix="R2"))  # 1 + 1 + 2 = 4 left
    assert report.rearmed
    pool.refresh_from_db()
    assert pool.low_stock_alerted_at is None
    claim()  # 3 left
    assert len(_alerts()) == 1
    claim()  # 2 left: told again
    assert [a["left"] for a in _alerts()] == [2, 2]


def test_expired_codes_do_not_count_as_stock(pool, django_capture_on_commit_callbacks):
    _import(pool, codes(10, prefix="OLD", until="2026-03-01"))
    _import(pool, codes(3, prefix="NEW"))
    with django_capture_on_commit_callbacks(execute=True):
        _use(make_customer(tier=Tier.GOLD), pool)
    pool.refresh_from_db()
    assert pool.low_stock_alerted_at is not None  # 2 valid left, whatever the expired 10


@pytest.mark.parametrize("size", [5, 300])
def test_a_claim_costs_one_bounded_query_for_the_stock_and_none_once_alerted(
    pool, size, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """The claim's query count, pinned, whatever the pool's size: the stock probe adds one
    query while the alert is armed and none once it is out."""
    pool.low_stock_threshold = 2
    pool.save(update_fields=["low_stock_threshold"])
    _import(pool, codes(size))
    customer = make_customer(tier=Tier.GOLD)
    _use(customer, pool)  # the balance row exists from here on
    # The callbacks run when the inner block exits: the outer one counts them.
    with django_assert_num_queries(ARMED), django_capture_on_commit_callbacks(execute=True):
        _use(customer, pool)
    CodePool.objects.filter(pk=pool.pk).update(low_stock_alerted_at=TODAY_AT)
    with django_assert_num_queries(ARMED - 1), django_capture_on_commit_callbacks(execute=True):
        _use(customer, pool)


def test_codes_left_for_the_pool_list_in_one_query(pool, django_assert_num_queries):
    from bookshelf.fulfilment.selectors import pools_low_stock, pools_with_stock

    _import(pool, codes(2, prefix="EXP", until="2026-03-01"))
    _import(pool, csv_file("LATER,2026-04-01,2026-12-31", "NOW-1,,", "NOW-2,,", "NOW-3,,"))
    customer = make_customer(tier=Tier.GOLD)
    cancelled = _use(customer, pool).redemption
    use_cancel(redemption=cancelled)
    _use(customer, pool)
    with django_assert_num_queries(1):
        row = pools_with_stock(TODAY).get(pk=pool.pk)
        counts = (row.available, row.upcoming, row.expired, row.claimed, row.void)
    assert counts == (1, 1, 2, 1, 1)
    with django_assert_num_queries(1):
        low = pools_low_stock(TODAY)
    assert [(p.pk, p.available) for p in low] == [(pool.pk, 1)]
    assert low[0].benefit.code == pool.benefit.code
