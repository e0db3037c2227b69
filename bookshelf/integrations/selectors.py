"""Reads of the integrations: which API client a token belongs to; how receivers check a
webhook's signature."""

from __future__ import annotations

from .clients import (
    CLIENTS_VERSION_KEY,
    api_client_for_token,
    api_client_memoised_id,
    api_clients_preload,
    clients_version_current,
    token_digest,
)
from .webhooks import SIGNATURE_HEADER, sign, signature_header, verify_signature

__all__ = [
    "CLIENTS_VERSION_KEY",
    "SIGNATURE_HEADER",
    "api_client_for_token",
    "api_client_memoised_id",
    "api_clients_preload",
    "clients_version_current",
    "sign",
    "signature_header",
    "token_digest",
    "verify_signature",
]
