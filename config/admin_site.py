"""The admin site, with room for pages that are nobody's model list (the agent's worklist):
an app registers one with `site.page(route, view, name)` when its admin modules load, and it
is served under /admin/ with the site's login, like the model pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import path


class BookshelfAdminSite(admin.AdminSite):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[tuple[str, Callable[..., Any], str]] = []

    def page(self, route: str, view: Callable[..., Any], name: str) -> None:
        """Serve `view` at /admin/<route> as `admin:<name>`, behind the staff login."""
        self._pages.append((route, view, name))

    def get_urls(self) -> list[Any]:
        pages = [path(route, self.admin_view(view), name=name) for route, view, name in self._pages]
        return [*pages, *super().get_urls()]


class BookshelfAdminConfig(AdminConfig):
    default_site = "config.admin_site.BookshelfAdminSite"
