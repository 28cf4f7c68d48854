from django.contrib import admin
from django.urls import include, path

from config import errors

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("authservers.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
