from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import health
from .front_door import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("bookshelf.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        # Its inline script and style carry the CSP nonce (templates/drf_spectacular/).
        SpectacularSwaggerView.as_view(
            url_name="schema", template_name="drf_spectacular/swagger_ui_csp.html"
        ),
        name="api-docs",
    ),
]

# Errors raised outside a view: the API answers its error shape, a database outage a 503.
handler400 = "config.middleware.bad_request"
handler404 = "config.middleware.not_found"
handler500 = "config.middleware.server_error"
