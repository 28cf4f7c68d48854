"""Django's own error paths, answered in JSON under /oauth2/ and /api/ and as pages elsewhere."""

from django.core.exceptions import RequestDataTooBig
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from authservers.http import json_error_for_path


@requires_csrf_token
def bad_request(request, exception=None):
    status = 413 if isinstance(exception, RequestDataTooBig) else 400
    return json_error_for_path(request, status) or defaults.bad_request(request, exception)


@requires_csrf_token
def permission_denied(request, exception=None):
    return json_error_for_path(request, 403) or defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request, exception=None):
    return json_error_for_path(request, 404) or defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request):
    return json_error_for_path(request, 500) or defaults.server_error(request)


def csrf_failure(request, reason=""):
    from django.views.csrf import csrf_failure as default_csrf_failure

    return json_error_for_path(request, 403) or default_csrf_failure(request, reason)
