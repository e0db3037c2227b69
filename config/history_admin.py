"""The base of every admin that shows django-simple-history's history.

Reverting to a history record saves an old copy of the row straight from the form, past the
services: a benefit would get back its old status with no status change row and no event,
a shelf cell its old quota without the shelf's version bump. The history stays readable;
Revert is hidden (`SIMPLE_HISTORY_REVERT_DISABLED`) and, because simple-history 3.13 only
hides the button and still saves a POST, the POST itself is refused here.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    def revert_disabled(self, request: HttpRequest | None, obj: Any = None) -> bool:
        return True

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
