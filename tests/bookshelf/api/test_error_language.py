"""Error messages follow the reader's language, for every room's codes and DRF's own.

Each error is produced twice, in English and in Chinese: the same `code` both times, the
Chinese message (and field messages) in Chinese, the English one with no Chinese in it. Codes
the API reaches are produced through it; the rooms only the admin and jobs reach (privacy,
review, reach's push) through their services under the language the API would activate, and
rendered by the one exception handler. A static check makes sure every message a DomainError
is raised with goes through gettext and has its Chinese, and that no module translates at
import time (a class attribute made with eager gettext is frozen in the import's language).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from bookshelf.api.error_codes import every_error_code
from config.exceptions import DomainError, api_exception_handler
from customers.models import Tier
from tests.bookshelf.api.conftest import new_key
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(settings.BASE_DIR)
LANGUAGES = {"en": "en", "zh-hans": "zh-CN"}


def _texts(body: dict[str, Any]) -> list[str]:
    return [body["message"], *(m for messages in body["fields"].values() for m in messages)]


def assert_in_language(body: dict[str, Any], language: str, name: str) -> None:
    for text in _texts(body):
        assert bool(CJK.search(text)) == (language == "zh-hans"), (name, language, body)


@pytest.fixture
def world(app_api: APIClient) -> dict[str, Any]:
    customer = make_customer(tier=Tier.GOLD)
    stranger = make_customer(tier=Tier.GOLD)
    once = make_benefit(cells={Tier.GOLD: 1}, category_code="HLT", name="Check-up")
    diamond_only = make_benefit(cells={Tier.DIAMOND: 1}, category_code="MED", name="Escort")
    plenty = make_benefit(cells={Tier.GOLD: 10}, category_code="SPT", name="Gym")
    no = customer.customer_no
    used = app_api.post(
        f"/api/v1/customers/{no}/redemptions",
        {"benefit": once.code},
        format="json",
        HTTP_IDEMPOTENCY_KEY=new_key(),
    )
    assert used.status_code == 201, used.json()
    return {
        "no": no,
        "stranger": stranger.customer_no,
        "once": once.code,
        "diamond_only": diamond_only.code,
        "plenty": plenty.code,
        "redemption": used.json()["id"],
    }


def _api_errors(api: APIClient, w: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """What to send for each error, keyed by the code it answers."""
    no = w["no"]
    uses = f"/api/v1/customers/{no}/redemptions"

    def use(body: dict[str, Any], key: str | None = None, **extra: Any) -> Any:
        return api.post(uses, body, format="json", HTTP_IDEMPOTENCY_KEY=key or new_key(), **extra)

    def reused(**lang: Any) -> Any:
        key = new_key()
        assert use({"benefit": w["plenty"]}, key=key, **lang).status_code == 201
        return use({"benefit": w["once"]}, key=key, **lang)

    return {
        "unknown_parameter": lambda **lang: api.get("/api/v1/benefits?colour=red", **lang),
        "invalid_page": lambda **lang: api.get("/api/v1/benefits?page=0", **lang),
        "invalid_page_size": lambda **lang: api.get("/api/v1/benefits?page_size=0", **lang),
        "idempotency_key_required": lambda **lang: api.post(
            uses, {"benefit": w["once"]}, format="json", **lang
        ),
        "benefit_not_found": lambda **lang: api.get("/api/v1/benefits/NOPE.01.001", **lang),
        "customer_not_found": lambda **lang: api.get(
            "/api/v1/customers/NOPE0000/bookshelf", **lang
        ),
        "invalid (a field required)": lambda **lang: use({}, **lang),
        "invalid (an invalid choice)": lambda **lang: use(
            {"benefit": w["once"], "channel": "carrier-pigeon"}, **lang
        ),
        "invalid (a number out of range)": lambda **lang: api.post(
            f"{uses}/{w['redemption']}/feedback", {"score": 11}, format="json", **lang
        ),
        "invalid (Idempotency-Key)": lambda **lang: use({"benefit": w["once"]}, "k" * 200, **lang),
        "idempotency_key_reused": reused,
        "quota_exhausted": lambda **lang: use({"benefit": w["once"]}, **lang),
        "not_in_tier": lambda **lang: use({"benefit": w["diamond_only"]}, **lang),
        "not_family_member": lambda **lang: use(
            {"benefit": w["once"], "beneficiary": w["stranger"]}, **lang
        ),
        "benefit_not_purchasable": lambda **lang: api.post(
            f"/api/v1/customers/{no}/purchases",
            {"benefit": w["once"], "payment_reference": "pay-1"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=new_key(),
            **lang,
        ),
        "redemption_not_found": lambda **lang: api.post(
            f"{uses}/999999/feedback", {"score": 9}, format="json", **lang
        ),
        "consent (an unknown purpose)": lambda **lang: api.post(
            f"/api/v1/customers/{no}/consents",
            {"purpose": "mind_reading", "granted": True},
            format="json",
            **lang,
        ),
        "webhook_url_refused": lambda **lang: api.post(
            "/api/v1/webhooks",
            {"name": "hook", "url": "https://10.1.2.3/hook", "event_types": []},
            format="json",
            **lang,
        ),
        "not_authenticated": lambda **lang: APIClient().get("/api/v1/benefits", **lang),
        "authentication_failed": lambda **lang: APIClient().get(
            "/api/v1/benefits", HTTP_AUTHORIZATION="Bearer nope", **lang
        ),
        "method_not_allowed": lambda **lang: api.delete("/api/v1/benefits", **lang),
        "not_acceptable": lambda **lang: api.get(
            "/api/v1/benefits", HTTP_ACCEPT="text/csv", **lang
        ),
        "unsupported_media_type": lambda **lang: api.post(
            "/api/v1/demand-signals", "x", content_type="text/plain", **lang
        ),
        "malformed_request": lambda **lang: api.post(
            "/api/v1/demand-signals", "{", content_type="application/json", **lang
        ),
        "not_found (a route)": lambda **lang: api.get("/api/v1/nothing", **lang),
    }


def test_every_api_error_in_both_languages_with_the_same_code(app_api, world):
    produced: dict[str, str] = {}
    for name, send in _api_errors(app_api, world).items():
        bodies = {}
        for language, sent in LANGUAGES.items():
            response = send(HTTP_ACCEPT_LANGUAGE=sent)
            assert response.status_code >= 400, (name, response.content[:300])
            assert response["Content-Language"] == language, name
            bodies[language] = response.json()
            assert_in_language(bodies[language], language, name)
        assert bodies["en"]["code"] == bodies["zh-hans"]["code"], (name, bodies)
        assert bodies["en"]["fields"].keys() == bodies["zh-hans"]["fields"].keys(), name
        code = bodies["en"]["code"]
        assert name.split(" ")[0] in {code, "invalid", "consent", "not_found"}, (name, code)
        produced[name] = code
    assert set(produced.values()) <= set(every_error_code())


def _service_errors() -> dict[str, Callable[[], Any]]:
    """Rooms the API does not reach: their services raise in the active language."""
    from bookshelf.privacy.services import customer_erase
    from bookshelf.reach.pushes import push_create
    from bookshelf.review.runs import review_run_open

    customer = make_customer(tier=Tier.GOLD, consent=False)
    benefit = make_benefit(cells={Tier.GOLD: 1}, category_code="HLT")
    return {
        "erasure_reason_required": lambda: customer_erase(
            customer=customer, user="dpo", reason=" ", via="test"
        ),
        "invalid_review_window": lambda: review_run_open(window_days=-1),
        "consent_required": lambda: push_create(
            customer=customer, benefit_code=benefit.code, channel="sms"
        ),
        "invalid (a push channel)": lambda: push_create(
            customer=customer, benefit_code="NOPE.01.001", channel="nowhere"
        ),
    }


def test_rooms_the_api_does_not_reach_raise_in_the_active_language():
    for name, call in _service_errors().items():
        bodies = {}
        for language in LANGUAGES:
            with translation.override(language), pytest.raises(DomainError) as raised:
                call()
            response = api_exception_handler(raised.value, {})
            assert response is not None
            bodies[language] = response.data
            assert_in_language(response.data, language, name)
        assert bodies["en"]["code"] == bodies["zh-hans"]["code"], name


# -- static: every DomainError message is translated, nothing translated at import ----------
ERRORS = {"DomainError", "NotFound", "NotAllowed", "Conflict", "Unprocessable"}
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext", "_lazy", "gettext_lazy"}


def _sources() -> list[Path]:
    skip = {".venv", "tests", "migrations", "node_modules"}
    return [
        p
        for p in ROOT.rglob("*.py")
        if not skip & set(p.relative_to(ROOT).parts) and "devtools" not in p.parts
    ]


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _msgid(node: ast.AST) -> str | bool | None:
    """The literal msgid a message is made from; True if translated but not a literal (a
    plural), False if it bypasses gettext (an f-string, a concatenation, a plain string)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _msgid(node.left)
    if isinstance(node, ast.Call) and _name(node.func) in GETTEXT:
        first = node.args[0] if node.args else None
        if _name(node.func) in {"pgettext", "ngettext", "npgettext"}:
            return True
        return first.value if isinstance(first, ast.Constant) else True
    if isinstance(node, ast.Name | ast.Attribute | ast.Subscript | ast.Call):
        return None  # made elsewhere (a helper's return, a variable): checked where it is made
    return False


def test_every_domain_error_message_goes_through_gettext_and_has_its_chinese():
    bypassing, untranslated = [], []
    with translation.override("zh-hans"):
        for path in _sources():
            for node in ast.walk(ast.parse(path.read_text())):
                if not (isinstance(node, ast.Call) and _name(node.func) in ERRORS):
                    continue
                message = next((k.value for k in node.keywords if k.arg == "message"), None)
                if message is None and len(node.args) > 1:
                    message = node.args[1]
                if message is None:
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                msgid = _msgid(message)
                if msgid is False:
                    bypassing.append(where)
                elif isinstance(msgid, str) and not CJK.search(translation.gettext(msgid)):
                    untranslated.append(f"{where} {msgid!r}")
    assert not bypassing, bypassing
    assert not untranslated, untranslated


def _eager_calls(node: ast.AST, eager: set[str], in_function: bool = False) -> list[int]:
    """Lines calling eager gettext outside any function body."""
    lines = []
    for child in ast.iter_child_nodes(node):
        inside = in_function or isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        )
        if (
            not inside
            and isinstance(child, ast.Call)
            and isinstance(child.func, ast.Name)
            and child.func.id in eager
        ):
            lines.append(child.lineno)
        lines += _eager_calls(child, eager, inside)
    return lines


def test_nothing_is_translated_at_import_time():
    """`gettext` outside a function runs once, at import, in whatever language the thread
    had then: the text is frozen (use gettext_lazy for class attributes and constants)."""
    eager_names = {"gettext", "ngettext", "pgettext", "npgettext"}
    frozen = []
    for path in _sources():
        tree = ast.parse(path.read_text())
        eager = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
            for alias in node.names
            if alias.name in eager_names
        }
        frozen += [f"{path.relative_to(ROOT)}:{line}" for line in _eager_calls(tree, eager)]
    assert not frozen, frozen
