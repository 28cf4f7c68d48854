"""RFC 8628 endpoints: `v1/device/authorize` for devices, and `/activate`, where a person confirms one.

Thin: parse, call `oauth.device` and `device_services`, render.
"""

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts import throttling
from accounts.views import CONTENT_SECURITY_POLICY, client_ip
from clients.selectors import client_snapshot

from . import device_services
from .http import NO_STORE, dumps, json_body_response, oauth_error_response, server_not_found_response
from .oauth import client_auth, decisions, device, errors
from .views import _form_post, _resolve

ACTIVATE_TEMPLATE = "authservers/activate.html"
CONFIRM_TEMPLATE = "authservers/activate_confirm.html"
DONE_TEMPLATE = "authservers/activate_done.html"
INVALID_USER_CODE = "That code is not valid, or it has expired. Check the code on your device and try again."
TOO_MANY_ATTEMPTS = "Too many attempts. Wait a moment, then try again."


# A protocol endpoint: the client authenticates (or names itself, if public); no cookie is involved.
@csrf_exempt
def device_authorize(request, server_id):
    server = _resolve(request, server_id)
    if server is None:
        return server_not_found_response(server_id)
    try:
        form = _form_post(request)
        presented = client_auth.extract_credentials(request.META.get("HTTP_AUTHORIZATION"), form)
        client = client_auth.authenticate(presented, client_snapshot)
        device.check_client(client)
        scopes = decisions.granted_scopes(server, device.GRANT_TYPE, (form.get("scope") or "").split(" "))
    except errors.OAuthError as exc:
        return oauth_error_response(exc)
    device_code, user_code = device_services.device_authorization_create(
        server_id=server.id, client_pk=client.id, scopes=scopes)
    # Okta: the verification page is org-wide (https://{org}/activate), on the issuer's host.
    verification_uri = request.castellan_issuer.rsplit("/oauth2/", 1)[0] + reverse("authservers:activate")
    body = device.authorization_response(device_code=device_code, user_code=user_code,
                                         verification_uri=verification_uri)
    return json_body_response(dumps(body), headers=NO_STORE)


def _page(request, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@csrf_protect
@never_cache
def activate(request):
    """GET: the code entry form (prefilled from `?user_code=`). POST: look the code up, then, with
    `decision=allow|deny`, confirm or refuse. Every lookup is throttled per user and per IP."""
    if request.method not in ("GET", "POST"):
        return _page(request, ACTIVATE_TEMPLATE, {"error": "Use the form on this page."}, status=405)
    typed = (request.POST if request.method == "POST" else request.GET).get("user_code", "")
    if not request.user.is_authenticated:
        code = device.normalize_user_code(typed)
        back = reverse("authservers:activate") + (f"?{urlencode({'user_code': code})}" if code else "")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': back})}")
    if request.method == "GET":
        return _page(request, ACTIVATE_TEMPLATE, {"user_code": device.normalize_user_code(typed) or ""})
    user, ip, now = request.user, client_ip(request), throttling.clock()
    retry_after = device_services.activation_retry_after(user_pk=user.pk, ip=ip, now=now)
    if retry_after:
        response = _page(request, ACTIVATE_TEMPLATE, {"error": TOO_MANY_ATTEMPTS}, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    code = device.normalize_user_code(typed)
    authorization = device_services.device_authorization_pending(code) if code else None
    if authorization is None:
        device_services.activation_failed(user_pk=user.pk, ip=ip, now=now)
        return _page(request, ACTIVATE_TEMPLATE, {"error": INVALID_USER_CODE}, status=400)
    decision = request.POST.get("decision")
    if decision == "deny":
        device_services.device_authorization_deny(authorization=authorization, user=user)
        return _page(request, DONE_TEMPLATE, {"allowed": False, "client_label": authorization.client.label})
    if decision == "allow":
        try:
            confirmed = device_services.device_authorization_confirm(authorization=authorization, user=user)
        except device_services.ConfirmationRefused as refused:
            return _page(request, DONE_TEMPLATE, {"allowed": False, "refused": refused.description,
                                                  "client_label": authorization.client.label}, status=403)
        if not confirmed:
            return _page(request, ACTIVATE_TEMPLATE, {"error": INVALID_USER_CODE}, status=400)
        return _page(request, DONE_TEMPLATE, {"allowed": True, "client_label": authorization.client.label})
    return _page(request, CONFIRM_TEMPLATE, {"user_code": code, "client_label": authorization.client.label,
                                             "scopes": authorization.scope.split()})
