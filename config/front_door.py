"""Where a person lands who knows only the host: `/`, and any page that is not there (with
DEBUG off; in development Django's own page lists the URL patterns instead)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _


def _page(request: HttpRequest, heading: str, lead: str) -> str:
    return render_to_string("front_door.html", {"heading": heading, "lead": lead}, request=request)


def front_door(request: HttpRequest, *, status: int, heading: str, lead: str) -> HttpResponse:
    """A small page pointing to the admin and the API docs."""
    html = _page(request, heading, lead)
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def home(request: HttpRequest) -> HttpResponse:
    """`/` sends people to the admin (the product's front page); a client that does not
    follow redirects (curl) reads where the admin and the API docs are."""
    response = HttpResponseRedirect(reverse("admin:index"))
    response["Content-Type"] = "text/html; charset=utf-8"
    response.content = _page(
        request, _("Benefits Bookshelf"), _("Redirecting to the admin. Everything is here:")
    )
    return response
