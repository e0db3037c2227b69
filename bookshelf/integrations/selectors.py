"""Reads of the integrations: which API client a token belongs to; how receivers check a
webhook's signature."""

from __future__ import annotations

from .clients import api_client_for_token, token_digest
from .webhooks import SIGNATURE_HEADER, sign, signature_header, verify_signature

__all__ = [
    "SIGNATURE_HEADER",
    "api_client_for_token",
    "sign",
    "signature_header",
    "token_digest",
    "verify_signature",
]
