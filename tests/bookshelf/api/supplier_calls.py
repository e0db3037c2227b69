"""Signed supplier requests, as a supplier's system makes them."""

from __future__ import annotations

import json
import time
from typing import Any

from rest_framework.test import APIClient

from bookshelf.fulfilment.services import supplier_sign


def signed(
    method: str,
    url: str,
    key_id: str,
    secret: str,
    body: dict[str, Any] | None = None,
    *,
    at: float | None = None,
    raw: bytes | None = None,
    client: APIClient | None = None,
) -> Any:
    """A request signed with (key_id, secret) at time `at` (now by default). `raw` sends
    other bytes than the ones signed (a tampered body)."""
    payload = json.dumps(body).encode() if body is not None else b""
    stamp = int(time.time() if at is None else at)
    headers = {
        "HTTP_X_BOOKSHELF_KEY": key_id,
        "HTTP_X_BOOKSHELF_SIGNATURE": supplier_sign(secret, stamp, payload),
    }
    api = client or APIClient()
    sent = payload if raw is None else raw
    if method == "post":
        return api.post(url, sent, content_type="application/json", **headers)
    return api.get(url, **headers)


def events_url(supplier: Any, fulfilment_id: int) -> str:
    return f"/api/v1/suppliers/{supplier.code}/fulfilments/{fulfilment_id}/events"
