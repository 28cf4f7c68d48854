"""The benchmark floor: the least work a client_credentials token can cost in this project.

Mounted at POST /bench/floor only when `CASTELLAN_BENCH_FLOOR=1` (see config/urls.py); never in a
normal deployment. It runs in the same process, URLconf and middleware stack as the token endpoint
and does the steps no implementation can skip: parse the form, authenticate the client from the
process cache, fetch the server snapshot and sign a claim set with the same key and code path.
It skips oauthlib, scope and grant validation and the System Log on purpose: the gap between this
view and /oauth2/default/v1/token is the price of those layers (goal: token >= 90 % of the floor).
"""

import json
import time

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from authservers.http import NO_STORE, json_body_response, oauth_error_response
from authservers.oauth import errors
from authservers.oauth.access_tokens import build_access_token_claims, new_jti, sign_jwt
from authservers.oauth.client_auth import authenticate, extract_credentials
from authservers.oauth.form_requests import parse_form_body
from authservers.selectors import server_snapshot
from clients.selectors import client_snapshot

SERVER_ID = "default"


@csrf_exempt
def floor(request) -> HttpResponse:
    try:
        form = parse_form_body(method=request.method, content_type=request.META.get("CONTENT_TYPE", ""),
                               body=request.body, query_keys=list(request.GET.keys()))
        presented = extract_credentials(request.META.get("HTTP_AUTHORIZATION"), form)
        client = authenticate(presented, client_snapshot)
    except errors.OAuthError as exc:
        return oauth_error_response(exc)
    server = server_snapshot(SERVER_ID)
    if server is None or server.signing is None:
        return oauth_error_response(errors.ServerError("The bench server has no active signing key."))
    # The requested scopes are echoed unchecked, so the token is as long as the real one.
    scopes = form.get("scope", "").split()
    lifetime = settings.CASTELLAN_ACCESS_TOKEN_LIFETIME
    claims = build_access_token_claims(
        issuer=server.issuer(), audience=server.audience, client_id=client.client_id, scopes=scopes,
        subject=client.client_id, now=int(time.time()), lifetime=lifetime, jti=new_jti(),
    )
    body = {"access_token": sign_jwt(claims, server.signing), "token_type": "Bearer",
            "expires_in": lifetime, "scope": " ".join(scopes)}
    return json_body_response(json.dumps(body), headers=NO_STORE)
