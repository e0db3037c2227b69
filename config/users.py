"""Who did it: the staff user behind an action, for the audit columns (`recorded_by`,
`pushed_by`, `decided_by`...)."""

from __future__ import annotations

from typing import Any


def acting_user(user: Any) -> Any:
    """The user to store as the actor: a saved user, or None for a system, an API client (its
    principal has no primary key) or an anonymous caller."""
    return user if getattr(user, "pk", None) else None
