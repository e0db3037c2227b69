"""The demo's consents (PIPL): without them no demo customer could be pushed to. Most demo
customers agreed in the app to both marketing purposes on the first texts; one in five (by
customer number, so the demo is the same whatever ids the database hands out) was never
asked, so the desk also shows a blocked push.

Called at the end of `DemoBuilder.run()` (bookshelf/devtools/demo.py), after the customers
exist. Written in bulk, past the services, like the rest of the demo's
history; idempotent: customers who have any consent record are left alone."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from customers.models import Consent, ConsentChannel, ConsentText, Customer
from customers.services import CONSENT_TEXTS_V1, consent_texts_ensure

# The Chinese the customer reads of each first consent text (PIPL: purpose, data, channel,
# how to withdraw), loaded into the text's Chinese column (`text_zh_hans`).
CONSENT_TEXTS_V1_ZH = {
    "app-message-v1": (
        "为向您推送与您保单相关的服务权益，我们将使用您的客户编号、保单等级及权益使用记录，"
        "通过本公司App向您发送可用权益提醒及可能适合您的服务信息。您可随时在App“我的-隐私设置”"
        "中或通过您的代理人撤回本同意，撤回不影响撤回前基于同意已进行的处理。"
    ),
    "sms-v1": (
        "为向您推送与您保单相关的服务权益，我们将使用您的手机号、保单等级及权益使用记录，"
        "通过短信向您发送可用权益提醒及可能适合您的服务信息。您可随时在App“我的-隐私设置”"
        "中或通过您的代理人撤回本同意，撤回不影响撤回前基于同意已进行的处理。"
    ),
}
BATCH = 2000
NEVER_ASKED_EVERY = 5  # one customer in five (by customer number) was never asked


def demo_consents_give(*, batch_size: int = BATCH) -> int:
    """Give both marketing consents to four demo customers in five; returns the records made."""
    consent_texts_ensure()
    for version, chinese in CONSENT_TEXTS_V1_ZH.items():
        ConsentText.objects.filter(version=version).filter(
            Q(text_zh_hans__isnull=True) | Q(text_zh_hans="")
        ).update(text_zh_hans=chinese)
    texts = {
        purpose: ConsentText.objects.get(purpose=purpose, version=version)
        for purpose, (version, _text) in CONSENT_TEXTS_V1.items()
    }
    made = 0
    last = 0
    while True:
        ids = list(
            Customer.objects.filter(pk__gt=last)
            .filter(~Exists(Consent.objects.filter(customer=OuterRef("pk"))))
            .order_by("pk")
            .values_list("pk", "customer_no")[:batch_size]
        )
        if not ids:
            return made
        last = ids[-1][0]
        rows = [
            Consent(
                customer_id=pk,
                purpose=purpose,
                granted=True,
                channel=ConsentChannel.APP,
                text=text,
                text_version=text.version,
                recorded_by_name="demo",
            )
            for pk, customer_no in ids
            if int("".join(ch for ch in customer_no if ch.isdigit()) or 0) % NEVER_ASKED_EVERY
            for purpose, text in texts.items()
        ]
        made += len(Consent.objects.bulk_create(rows))
