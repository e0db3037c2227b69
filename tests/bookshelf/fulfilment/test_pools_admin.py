"""Product staff's code pool pages and the import command: stock in one query, the
low-stock notice (pool list and admin home), the import page (check, import, refusal),
permissions, and never a plain code or fingerprint on any page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookshelf.fulfilment.services import codes_import, use_request
from bookshelf.models import CodePool, PoolCode
from bookshelf.roles import AGENT, PRODUCT_STAFF
from customers.models import Tier
from tests.bookshelf.admin.conftest import staff_user
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db

POOL_PERMS = ["view_codepool", "add_codepool", "change_codepool", "view_poolcode"]
SECRET_PREFIX = "SECRET-CODE"


def product_client() -> Client:
    user = staff_user("pat", PRODUCT_STAFF)
    # The roles give product staff these (migration 0034); given here so the test stands
    # on its own.
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="bookshelf", codename__in=POOL_PERMS)
    )
    client = Client()
    client.force_login(user)
    return client


_n = iter(range(1000))


def make_pool(n_codes: int = 6, threshold: int = 3, claims: int = 0) -> CodePool:
    i = next(_n)
    benefit = make_benefit(
        cells={Tier.GOLD: None},
        fulfilment_kind="issued",
        name=f"Coffee voucher {i}",
        name_zh_hans=f"咖啡券{i}",
    )
    supplier = make_supplier(f"coffee-{i}", benefits=[benefit], name=f"Coffee Co {i}")
    pool = CodePool.objects.create(
        benefit=benefit, supplier=supplier, low_stock_threshold=threshold
    )
    file = "\n".join(["code", *(f"{SECRET_PREFIX}-{i}-{k}" for k in range(n_codes))]).encode()
    codes_import(pool=pool, file=io.BytesIO(file), filename="c.csv")
    customer = make_customer(tier=Tier.GOLD) if claims else None
    for _ in range(claims):
        use_request(customer=customer, benefit_code=benefit.code)
    return pool


def assert_no_code(html: str) -> None:
    assert SECRET_PREFIX not in html
    for code in PoolCode.objects.all():
        assert code.code_hash not in html
        assert code.code_encrypted not in html


def test_the_pool_list_counts_stock_in_one_query_and_tells_which_run_low():
    client = product_client()
    url = reverse("admin:bookshelf_codepool_changelist")
    make_pool(n_codes=6, threshold=3, claims=1)  # 5 left: fine
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="low-stock-notice"' not in html
    low = make_pool(n_codes=3, threshold=3, claims=1)  # 2 left: low
    make_pool(n_codes=4, threshold=2)
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    html = response.content.decode()
    assert len(three) == len(one)
    assert 'id="low-stock-notice"' in html
    assert "1 code pool is running low" in html
    assert low.benefit.code in html.split('id="low-stock-notice"')[1].split("</div>")[0]
    assert "Running low" in html
    assert_no_code(html)


def test_the_admin_home_shows_pools_running_low_with_one_query():
    client = product_client()
    make_pool(n_codes=6, threshold=3)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as none_low:
        html = client.get("/admin/").content.decode()
    assert 'id="low-stock-notice"' not in html
    for _ in range(3):
        make_pool(n_codes=2, threshold=5)
    with CaptureQueriesContext(connection) as three_low:
        html = client.get("/admin/").content.decode()
    assert "3 code pools are running low" in html
    assert len(three_low) == len(none_low)
    # An agent, who has nothing to do with pools, is not told.
    agent = Client()
    agent.force_login(staff_user("ann", AGENT))
    assert 'id="low-stock-notice"' not in agent.get("/admin/").content.decode()


def test_the_pool_page_lists_codes_by_state_never_the_code():
    client = product_client()
    pool = make_pool(n_codes=5, claims=2)
    html = client.get(reverse("admin:bookshelf_codepool_change", args=[pool.pk])).content.decode()
    assert "Import codes" in html
    assert html.count("Claimed") >= 2 and html.count("Available") >= 3
    assert "3 available now, 0 not yet valid, 2 claimed" in html
    assert_no_code(html)
    codes = client.get(
        reverse("admin:bookshelf_poolcode_changelist") + f"?pool__id__exact={pool.pk}"
    )
    assert codes.status_code == 200
    assert_no_code(codes.content.decode())
    one = PoolCode.objects.filter(pool=pool).first()
    page = client.get(reverse("admin:bookshelf_poolcode_change", args=[one.pk]))
    assert page.status_code == 200
    assert_no_code(page.content.decode())


def test_a_code_is_found_by_the_use_that_claimed_it():
    client = product_client()
    pool = make_pool(n_codes=3, claims=1)
    claimed = PoolCode.objects.get(pool=pool, state="claimed")
    url = reverse("admin:bookshelf_poolcode_changelist")
    response = client.get(url, {"q": str(claimed.redemption_id_claimed)})
    assert list(response.context["cl"].result_list) == [claimed]
    assert_no_code(response.content.decode())


def _upload(client: Client, pool: CodePool, text: str, **data):
    url = reverse("admin:bookshelf_codepool_import", args=[pool.pk])
    file = SimpleUploadedFile("codes.csv", text.encode(), content_type="text/csv")
    return client.post(url, {"file": file, **data})


def test_importing_on_the_page_checks_imports_and_refuses_a_bad_file_whole():
    client = product_client()
    pool = make_pool(n_codes=1)
    text = "券码,失效日期\nNEW-1,2030-01-31\nNEW-2,2030-01-31\nNEW-2,2030-01-31\n"
    checked = _upload(client, pool, text, check_only="on")
    html = checked.content.decode()
    assert "Checked: nothing was imported" in html
    assert PoolCode.objects.filter(pool=pool).count() == 1
    imported = _upload(client, pool, text)
    html = imported.content.decode()
    assert 'id="import-report"' in html and "New codes imported" in html
    assert imported.context["report"].imported == 2
    assert imported.context["report"].duplicates_in_file == 1
    assert PoolCode.objects.filter(pool=pool).count() == 3
    assert "NEW-1" not in html
    refused = _upload(client, pool, "code,valid_until\nBAD-1,31/01/2030\n,2030-01-01\n")
    html = refused.content.decode()
    assert 'id="import-refusal"' in html
    assert '<td class="num">2</td>' in html and '<td class="num">3</td>' in html
    assert PoolCode.objects.filter(pool=pool).count() == 3


def test_only_staff_who_may_change_pools_import_and_agents_see_nothing():
    pool = make_pool(n_codes=1)
    agent = Client()
    agent.force_login(staff_user("ann", AGENT))
    assert agent.get(reverse("admin:bookshelf_codepool_changelist")).status_code == 403
    assert agent.get(reverse("admin:bookshelf_codepool_import", args=[pool.pk])).status_code == 403
    looker = staff_user("lou", PRODUCT_STAFF)
    looker.groups.clear()  # the role may change pools (migration 0034): a viewer only here
    looker.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_codepool", "view_poolcode"])
    )
    client = Client()
    client.force_login(looker)
    page = client.get(reverse("admin:bookshelf_codepool_change", args=[pool.pk]))
    assert page.status_code == 200 and 'id="import-codes"' not in page.content.decode()
    assert _upload(client, pool, "code\nX-1\n").status_code == 403
    assert PoolCode.objects.filter(pool=pool).count() == 1


def test_a_pool_is_added_only_for_an_issued_benefit_its_supplier_delivers():
    client = product_client()
    issued = make_benefit(cells={Tier.GOLD: 1}, fulfilment_kind="issued", name="Gift card")
    booked = make_benefit(cells={Tier.GOLD: 1}, fulfilment_kind="booked", name="Escort")
    delivers = make_supplier("gift-co", benefits=[issued])
    other = make_supplier("other-co", benefits=[booked])
    url = reverse("admin:bookshelf_codepool_add")
    form = client.get(url).context["adminform"].form
    assert list(form.fields["benefit"].queryset) == [issued]
    refused = client.post(
        url, {"benefit": issued.pk, "supplier": other.pk, "low_stock_threshold": 5}
    )
    assert refused.status_code == 200 and not CodePool.objects.filter(benefit=issued).exists()
    client.post(url, {"benefit": issued.pk, "supplier": delivers.pk, "low_stock_threshold": 5})
    assert CodePool.objects.get(benefit=issued).supplier == delivers


def test_the_import_command_makes_the_pool_and_refuses_a_bad_file(tmp_path):
    benefit = make_benefit(cells={Tier.GOLD: 1}, fulfilment_kind="issued", name="E-card")
    make_supplier("card-co", benefits=[benefit])
    good = tmp_path / "codes.csv"
    good.write_text("code,valid_from,valid_until\nC-1,2026-01-01,2030-12-31\nC-2,,\nC-2,,\n")
    out = io.StringIO()
    args = ["--benefit", benefit.code, "--supplier", "card-co", "--no-progress"]
    call_command("import_codes", *args, str(good), stdout=out)
    assert "imported 2 new codes" in out.getvalue()
    assert "1 repeated in the file" in out.getvalue()
    pool = CodePool.objects.get(benefit=benefit)
    assert pool.codes.count() == 2
    assert pool.codes.get(valid_until__isnull=False).valid_until == date(2030, 12, 31)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,valid_until\nC-3,2030-02-30\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_codes", *args, str(bad), stdout=io.StringIO())
    assert "2:" in str(caught.value)
    assert pool.codes.count() == 2
    with pytest.raises(CommandError):
        call_command("import_codes", "--benefit", benefit.code, "--supplier", "nobody", str(good))
