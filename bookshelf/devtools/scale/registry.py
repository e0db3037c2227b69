"""Every probe `manage.py bench_probe` can run: this module's own (`probes`) and those of the
modules built on its helpers (the open-loop load, the redemption profile), which import
`probes` and so cannot be imported by it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .openloop import probe_openloop
from .probes import PROBES as MEASUREMENTS
from .probes import as_json
from .profile_redeem import probe_redeem_profile
from .replication import probe_replica_read

PROBES: dict[str, Callable[..., dict[str, Any]]] = {
    **MEASUREMENTS,
    "openloop": probe_openloop,
    "redeem_profile": probe_redeem_profile,
    "replica_read": probe_replica_read,
}


def run_probe(name: str, **kwargs: Any) -> dict[str, Any]:
    return PROBES[name](**kwargs)


__all__ = ["PROBES", "as_json", "run_probe"]
