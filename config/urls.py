import os

from django.contrib import admin
from django.urls import include, path

from config import errors, openapi

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("authservers.api.urls")),
    path("api/v1/", include("clients.api.urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("clients.credentials_urls")),
    path("api/v1/", include("authservers.logs_urls")),
    path("api/v1/", include("authservers.monitoring.urls")),
    path("", include("clients.registration_urls")),
    *openapi.urlpatterns,
    path("", include("authservers.urls")),
    path("", include("accounts.urls")),
]

if os.environ.get("CASTELLAN_BENCH_FLOOR") == "1":  # `make bench` only: the floor view (bench/floor.py)
    from bench.floor import floor

    urlpatterns.append(path("bench/floor", floor))

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
