"""Protocol endpoints of each authorization server, under /oauth2/{serverId}/. Thin: parse, call, render."""

from urllib.parse import urlencode

from django.contrib.auth import logout as end_session
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from clients.selectors import client_snapshot

from .cors import request_origin
from .http import (
    NO_STORE,
    dumps,
    json_body_response,
    oauth_error_response,
    okta_error_response,
    server_not_found_response,
)
from .key_lifecycle import served_jwks_max_age
from .oauth import authorize as authorization
from .oauth import browser_requests, errors
from .oauth import logout as logout_rules
from .oauth import userinfo as userinfo_rules
from .oauth.backend import oauthlib_core
from .oauth.discovery import build_discovery_document
from .oauth.form_requests import check_grant_type, parse_form_body
from .oauth.server import SUPPORTED_GRANT_TYPES
from .selectors import access_token_is_revoked, server_snapshot


def _resolve(request, server_id):
    """Attach the active server and this request's issuer to the request, or None (→ 404)."""
    server = server_snapshot(server_id)
    if server is None or not server.active:
        return None
    request.castellan_server = server
    request.castellan_issuer = server.issuer(_request_base_url(request) if server.issuer_mode == "DYNAMIC" else None)
    return server


def _request_base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _form_post(request) -> dict[str, str]:
    request.castellan_form = parse_form_body(
        method=request.method, content_type=request.META.get("CONTENT_TYPE", ""), body=request.body,
        query_keys=list(request.GET.keys()))
    return request.castellan_form


def _oauthlib_response(headers, body, status) -> HttpResponse:
    if status == 401:  # RFC 6749 §5.2: invalid_client answered with 401 carries WWW-Authenticate
        headers = {**headers, "WWW-Authenticate": 'Basic realm="castellan"'}
    return json_body_response(body, status, {**headers, **NO_STORE})


def _error_page(request, exc: errors.OAuthError):
    # Until the client and redirect URI are verified, never redirect (RFC 6749 §4.1.2.1).
    return render(request, "authservers/error.html", {"error": exc.error, "description": exc.description},
                  status=400)


def _redirect(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "no-referrer"  # Okta: query responses carry no referrer
    response["Cache-Control"] = "no-store"
    return response


def _sign_in_redirect(request, params) -> HttpResponseRedirect:
    """To the sign-in page, which comes back here with the same request (minus a `prompt=login` served)."""
    query = [(name, value) for name, value in params.items()
             if not (name == "prompt" and "login" in value.split(" "))]
    login_prompts = " ".join(value for value in params.get("prompt", "").split(" ") if value and value != "login")
    if login_prompts:
        query.append(("prompt", login_prompts))
    back = f"{request.path}?{urlencode(query)}"
    return _redirect(f"{reverse('accounts:login')}?{urlencode({'next': back})}")


# A protocol endpoint, safe without CSRF: a POST does what the same GET does, and its answer goes only
# to a registered redirect URI. A cross-site POST arrives without the SameSite=Lax session cookie, so
# it goes through the sign-in page and comes back as a GET with the same parameters.
@csrf_exempt
def authorize(request, server_id):
    if _resolve(request, server_id) is None:
        return server_not_found_response(server_id)
    if request.method not in ("GET", "POST"):
        return oauth_error_response(errors.MethodNotAllowed(errors.METHOD_NOT_ALLOWED, allow="GET, POST"))
    if request.method == "POST" and request.GET:
        return _error_page(request, errors.InvalidRequest("A POST authorize request takes no query parameters."))
    params = request.POST if request.method == "POST" else request.GET
    req = authorization.AuthorizationRequest.from_params(params)
    try:
        client = authorization.verify_client(req, client_snapshot(req.client_id or ""))
    except errors.OAuthError as exc:
        return _error_page(request, exc)
    issuer = request.castellan_issuer
    try:
        authorization.validate_request(req, client, request.castellan_server)
        if authorization.check_session(req, request.user.is_authenticated):
            if request.user.is_authenticated:  # prompt=login: end the session, then sign in again
                end_session(request)
            return _sign_in_redirect(request, params)
        result = authorization.issue_code(req, client, request.castellan_server, request.user, issuer=issuer,
                                          now=timezone.now())
    except errors.OAuthError as exc:
        result = authorization.error_redirect(req, exc, issuer)
    return _redirect(result.url)


@csrf_exempt
def token(request, server_id):
    if _resolve(request, server_id) is None:
        return server_not_found_response(server_id)
    try:
        form = _form_post(request)
        check_grant_type(form, SUPPORTED_GRANT_TYPES)
        if request.META.get("HTTP_ORIGIN") is not None:
            _check_browser_token_request(request, form)
        _, headers, body, status = oauthlib_core().create_token_response(request)
    except errors.OAuthError as exc:
        return oauth_error_response(exc)
    return _oauthlib_response(headers, body, status)


def _check_browser_token_request(request, form) -> None:
    """A request with an Origin comes from a page: Okta's browser rules apply (oauth.browser_requests)."""
    from clients.selectors import cors_origins

    client_id = browser_requests.claimed_client_id(request.META.get("HTTP_AUTHORIZATION"), form)
    browser_requests.check(origin=request_origin(request.META["HTTP_ORIGIN"]), form=form,
                           client_origins=cors_origins().for_client(client_id))


@csrf_exempt
def introspect(request, server_id):
    if _resolve(request, server_id) is None:
        return server_not_found_response(server_id)
    try:
        form = _form_post(request)
        if not form.get("token"):
            raise errors.InvalidRequest(errors.TOKEN_PARAMETER_REQUIRED)
        _, headers, body, status = oauthlib_core().create_introspect_response(request)
    except errors.OAuthError as exc:
        return oauth_error_response(exc)
    return _oauthlib_response(headers, body, status)


@csrf_exempt
def revoke(request, server_id):
    if _resolve(request, server_id) is None:
        return server_not_found_response(server_id)
    try:
        form = _form_post(request)
        if not form.get("token"):
            raise errors.InvalidRequest(errors.TOKEN_PARAMETER_REQUIRED)
        _, headers, body, status = oauthlib_core().create_revocation_response(request)
    except errors.OAuthError as exc:
        return oauth_error_response(exc)
    return _oauthlib_response(headers, body or "", status)


def _bearer_problem(problem: userinfo_rules.BearerProblem) -> HttpResponse:
    # RFC 6750 §3: the error rides in WWW-Authenticate; the body stays empty.
    response = HttpResponse(status=problem.status)
    response["WWW-Authenticate"] = problem.www_authenticate()
    for name, value in NO_STORE.items():
        response[name] = value
    return response


# A protocol endpoint authenticated by the Bearer token, not by a cookie: no CSRF exposure.
@csrf_exempt
def userinfo(request, server_id):
    server = _resolve(request, server_id)
    if server is None:
        return server_not_found_response(server_id)
    if request.method not in ("GET", "POST"):
        return oauth_error_response(errors.MethodNotAllowed(errors.METHOD_NOT_ALLOWED, allow="GET, POST"))
    from .oidc_services import userinfo_claims

    try:
        token = userinfo_rules.bearer_token(request.META.get("HTTP_AUTHORIZATION"))
        claims = userinfo_rules.verify_bearer(token, server=server, issuer=request.castellan_issuer,
                                              is_revoked=access_token_is_revoked)
        body = userinfo_claims(server, claims)
    except userinfo_rules.BearerProblem as problem:
        return _bearer_problem(problem)
    except errors.OAuthError as exc:
        return oauth_error_response(exc)
    return json_body_response(dumps(body), headers=NO_STORE)


# RP-Initiated Logout: a cross-site GET or POST can at worst sign out the subject of a valid ID token
# the caller already holds, and only redirects to a registered logout URI.
@csrf_exempt
def logout(request, server_id):
    server = _resolve(request, server_id)
    if server is None:
        return server_not_found_response(server_id)
    if request.method not in ("GET", "POST"):
        return oauth_error_response(errors.MethodNotAllowed(errors.METHOD_NOT_ALLOWED, allow="GET, POST"))
    from accounts.signin import log_sign_out
    from accounts.views import client_ip

    from .oidc_services import post_logout_redirect_uris

    req = logout_rules.LogoutRequest.from_params(request.POST if request.method == "POST" else request.GET)
    try:
        hint = logout_rules.verify_hint(req.id_token_hint, server=server, issuer=request.castellan_issuer)
        target = logout_rules.check_redirect(req.post_logout_redirect_uri, post_logout_redirect_uris(hint["aud"]))
    except logout_rules.LogoutError as exc:
        return render(request, "authservers/error.html", {"error": exc.error, "description": exc.description},
                      status=400)
    user = request.user if request.user.is_authenticated else None
    if logout_rules.ends_session(hint, user.pk if user is not None else None):
        end_session(request)
        log_sign_out(user, client_ip(request))
    if target is None:
        response = render(request, "accounts/logged_out.html", {})
        response["Cache-Control"] = "no-store"
        return response
    return _redirect(logout_rules.redirect_url(target, req.state))


def keys(request, server_id):
    if request.method not in ("GET", "HEAD"):
        return oauth_error_response(errors.MethodNotAllowed(errors.METHOD_NOT_ALLOWED, allow="GET, HEAD"))
    server = _resolve(request, server_id)
    if server is None:
        return server_not_found_response(server_id)
    body = server.render_once("jwks", lambda: dumps(server.jwks))
    # Shorter as the next rotation nears, never above the cache lifetime (docs/keys.md).
    max_age = served_jwks_max_age(server, timezone.now())
    return json_body_response(body, headers={"Cache-Control": f"max-age={max_age}, must-revalidate"})


def _discovery(request, server_id, *, openid: bool):
    if request.method not in ("GET", "HEAD"):
        return oauth_error_response(errors.MethodNotAllowed(errors.METHOD_NOT_ALLOWED, allow="GET, HEAD"))
    server = _resolve(request, server_id)
    if server is None:
        return server_not_found_response(server_id)
    client_id = request.GET.get("client_id")
    if client_id is not None and client_snapshot(client_id) is None:
        # Okta answers an unknown client_id here in the Management error shape.
        return okta_error_response("invalid_client", "Invalid value for `client_id` parameter", 400)
    issuer = request.castellan_issuer
    body = server.render_once(
        ("discovery", openid, issuer),
        lambda: dumps(build_discovery_document(server, issuer=issuer, base_url=issuer.rsplit("/oauth2/", 1)[0],
                                               openid=openid)),
    )
    return json_body_response(body, headers={"Cache-Control": "max-age=60"})


def openid_configuration(request, server_id):
    return _discovery(request, server_id, openid=True)


def oauth_authorization_server(request, server_id):
    return _discovery(request, server_id, openid=False)
