"""The consent page and the form_post response page of /authorize. Thin: the rules are in oauth/authorize.py.

The pending authorization request waits in the server-side session under a random id, bound to
the signed-in user, for at most `PENDING_LIFETIME` seconds. The consent POST (CSRF-protected)
takes it out before anything else, so a replayed, forged or tampered answer finds nothing and
gets an error page; the request is then checked again from the start, as /authorize would.
"""

import secrets
import time
from urllib.parse import urlsplit

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from clients.models import Client
from clients.selectors import client_snapshot

from .auth_time import session_auth_time
from .consents import scope_details
from .oauth import authorize as authorization
from .oauth import errors
from .selectors import server_snapshot

PENDING_KEY = "castellan_pending_consent"
PENDING_LIFETIME = 600  # seconds a consent page stays answerable
MAX_PENDING = 5  # per session: several tabs may wait at once; older requests are dropped
REQUEST_ID_LENGTH = 32  # secrets.token_urlsafe(24)
PENDING_INVALID = ("This consent request is no longer valid: it was already answered, it expired, or it "
                   "belongs to another sign-in. Go back to the application and sign in again.")


def _page(request, template: str, context: dict, *, status: int = 200, csp: str) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Content-Security-Policy"] = csp
    response["Cache-Control"] = "no-store"
    # same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with the page's own
    # POST, which Django's CSRF origin check rightly refuses; links off the page still get no referrer.
    response["Referrer-Policy"] = "same-origin"
    return response


def _https_origin(url: str) -> str | None:
    """`https://host[:port]` of an https URL, usable as a CSP source; None otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or any(ch in parts.netloc for ch in " ;,'\"\\"):
        return None
    return f"https://{parts.netloc}"


def _error_page(request, description: str, *, error: str = "invalid_request", status: int = 400):
    csp = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    return _page(request, "authservers/error.html", {"error": error, "description": description},
                 status=status, csp=csp)


# --- the pending request ---------------------------------------------------------------------------


def _pending_requests(request) -> dict:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return {}
    now = int(time.time())
    return {key: value for key, value in pending.items() if isinstance(value, dict) and value.get("expires", 0) > now}


def consent_redirect(request, req: authorization.AuthorizationRequest, *, server_id: str,
                     issuer: str) -> HttpResponseRedirect:
    """Keep the request for the consent page and send the browser there."""
    pending = _pending_requests(request)
    while len(pending) >= MAX_PENDING:
        del pending[min(pending, key=lambda key: pending[key]["expires"])]
    request_id = secrets.token_urlsafe(24)
    pending[request_id] = {"server": server_id, "user": request.user.pk, "issuer": issuer,
                           "params": req.to_params(), "expires": int(time.time()) + PENDING_LIFETIME}
    request.session[PENDING_KEY] = pending
    response = HttpResponseRedirect(reverse("authservers:consent", args=[request_id]))
    response["Cache-Control"] = "no-store"
    return response


def _pending(request, request_id: str, *, take: bool) -> dict | None:
    """The pending request with this id for the signed-in user, or None; `take` removes it (single use)."""
    if not request.user.is_authenticated or len(request_id) != REQUEST_ID_LENGTH:
        return None
    pending = _pending_requests(request)
    entry = pending.get(request_id)
    if entry is not None and take:
        del pending[request_id]
        request.session[PENDING_KEY] = pending
    if entry is None or entry.get("user") != request.user.pk:
        return None
    return entry


# --- the pages -------------------------------------------------------------------------------------


@csrf_protect
@never_cache
def consent(request, request_id: str):
    if request.method not in ("GET", "POST"):
        return _error_page(request, errors.METHOD_NOT_ALLOWED, status=405)
    entry = _pending(request, request_id, take=request.method == "POST")
    server = server_snapshot(entry["server"]) if entry is not None else None
    if entry is None or server is None or not server.active:
        return _error_page(request, PENDING_INVALID)
    req = authorization.AuthorizationRequest(**entry["params"])
    try:
        client = authorization.verify_client(req, client_snapshot(req.client_id or ""))
    except errors.OAuthError as exc:
        return _error_page(request, exc.description, error=exc.error)
    issuer = entry["issuer"]
    answer = None
    if request.method == "POST":
        if request.POST.get("decision") == "deny":
            denied = errors.AuthorizationAccessDenied(authorization.CONSENT_DENIED)
            return respond(request, authorization.error_redirect(req, denied, issuer))
        if request.POST.get("decision") != "allow":
            return _error_page(request, "The consent answer must be Allow or Don't allow.")
        answer = authorization.ConsentAnswer(accepted_optional=frozenset(request.POST.getlist("scope")))
    try:
        authorization.validate_request(req, client, server)
        result = authorization.issue_code(req, client, server, request.user, issuer=issuer, now=timezone.now(),
                                          auth_time=session_auth_time(request), answer=answer)
    except errors.OAuthError as exc:
        result = authorization.error_redirect(req, exc, issuer)
    if isinstance(result, authorization.ConsentPrompt):
        return _consent_page(request, request_id, client_pk=client.id, server_id=server.id, prompt=result)
    _pending(request, request_id, take=True)  # answered without the page (granted meanwhile, or an error)
    return respond(request, result)


def _consent_page(request, request_id: str, *, client_pk: str, server_id: str,
                  prompt: authorization.ConsentPrompt) -> HttpResponse:
    app = Client.objects.only("label", "logo_uri", "client_uri", "policy_uri", "tos_uri").get(pk=client_pk)
    details = scope_details(server_id=server_id, names=prompt.scopes)
    scopes = [{"name": name, "display_name": details[name].display_name if name in details else name,
               "description": details[name].description if name in details else "",
               "optional": name in prompt.optional, "checked": name not in prompt.declined}
              for name in prompt.scopes]
    logo_origin = _https_origin(app.logo_uri)
    image_source = f" {logo_origin}" if logo_origin else ""
    # No form-action: the answer redirects to the client, whose callback may redirect on, and browsers
    # check form-action along that whole chain. The page runs no script and escapes all it shows.
    csp = (f"default-src 'none'; style-src 'self'; img-src 'self'{image_source}; frame-ancestors 'none'; "
           "base-uri 'none'")
    context = {"app": app, "scopes": scopes, "request_id": request_id,
               "logo_uri": app.logo_uri if image_source else ""}
    return _page(request, "authservers/consent.html", context, csp=csp)


def form_post_response(request, result: authorization.AuthorizationRedirect) -> HttpResponse:
    """OAuth 2.0 Form Post Response Mode: a page whose form posts the parameters to the redirect URI.

    The one inline script is allowed by its nonce; without scripts the user presses Continue. No
    form-action: the client's callback may redirect anywhere, and browsers would check that too.
    """
    nonce = secrets.token_urlsafe(16)
    csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; frame-ancestors 'none'; "
           "base-uri 'none'")
    context = {"action": result.redirect_uri, "params": sorted(result.params.items()), "nonce": nonce}
    return _page(request, "authservers/form_post.html", context, csp=csp)


def respond(request, result: authorization.AuthorizationRedirect) -> HttpResponse:
    """The authorization response in its mode: a redirect (query) or the auto-submitting form (form_post)."""
    if result.response_mode == "form_post":
        return form_post_response(request, result)
    response = HttpResponseRedirect(result.url)
    response["Referrer-Policy"] = "no-referrer"  # Okta: query responses carry no referrer
    response["Cache-Control"] = "no-store"
    return response
