"""Both workspaces in English and Simplified Chinese: from the browser's language or the
switch in the admin header."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from customers.models import Tier
from tests.bookshelf.admin.conftest import Office

pytestmark = pytest.mark.django_db


def test_the_chinese_catalog_is_compiled_and_covers_every_message():
    po = Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.po")
    assert po.with_suffix(".mo").exists()
    text = po.read_text(encoding="utf-8")
    entries = [e for e in text.split("\n\n") if "msgid" in e][1:]  # the header first
    assert len(entries) > 400

    def translation_of(entry: str) -> str:
        lines = entry.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
        return "".join(line.split('"', 1)[1].rsplit('"', 1)[0] for line in lines[start:])

    assert [e for e in entries if not translation_of(e)] == []
    assert "#, fuzzy" not in text
    with translation.override("zh-hans"):
        assert str(Tier.HIGH_NET_WORTH.label) == "高客"
        assert str(Tier.PROSPECT.label) == "准客户"
        assert translation.gettext("Bookshelf") == "权益书架"


def test_a_chinese_browser_gets_the_customer_page_in_chinese(office: Office, gold_benefit):
    client = office.client_for(office.agent.user)
    url = reverse("admin:customers_customer_change", args=[office.mine.pk])
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in zh
    for words in ("权益书架", "黄金VIP", "登记使用", "推送权益", "分层依据", "测试权益"):
        assert words in zh, words
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bookshelf" in en and "VIP gold" in en and "权益书架" not in en


def test_a_chinese_browser_gets_the_shelf_matrix_in_chinese(office: Office, gold_benefit):
    client = office.client_for(office.product)
    body = client.get(
        reverse("admin:bookshelf_shelf_matrix"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    for words in ("权益书架全景", "客户分层", "高客", "准客户", "每年 2 次", "类别"):
        assert words in body, words


def test_the_language_switch_in_the_admin_header(office: Office):
    client = office.client_for(office.agent.user)
    index = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'action="/i18n/setlang/"' in index and 'value="zh-hans"' in index
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": reverse("admin:index")}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    # The choice beats the browser's language from now on.
    body = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "代理人工作台" in body


def _po_msgids(text: str) -> set[str]:
    ids = set()
    for entry in text.split("\n\n"):
        lines = entry.splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        if not starts:
            continue
        end = next(i for i, line in enumerate(lines) if line.startswith(("msgstr", "msgid_plural")))
        raw = "".join(line.split('"', 1)[1].rsplit('"', 1)[0] for line in lines[starts[0] : end])
        ids.add(raw.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
    return ids


def test_every_message_in_the_code_is_in_the_chinese_catalog():
    """Strings marked for translation in Python (`_()`, `gettext`, `gettext_lazy`) must be in
    the catalog, or they show in English to Chinese users: run `make messages` and
    translate."""
    import ast

    po = Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.po")
    known = _po_msgids(po.read_text(encoding="utf-8"))
    marked: dict[str, str] = {}
    for app in ("config", "customers", "benefits", "bookshelf"):
        for path in Path(settings.BASE_DIR, app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in {"_", "gettext", "gettext_lazy", "gettext_noop"}
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    marked[node.args[0].value] = f"{path.name}:{node.lineno}"
    assert len(marked) > 400
    assert {text: where for text, where in marked.items() if text not in known} == {}
