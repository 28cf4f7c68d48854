"""`/oauth2/v1/clients`: Okta's Dynamic Client Registration API (RFC 7591/7592 variant, REFERENCE §8.3).

Okta requires an admin API token (SSWS) or an admin session, not an RFC 7591 initial access token,
so authentication and permission errors are the management API's (E0000011, E0000006); metadata
errors are RFC 7591 §3.2.2 JSON (`invalid_client_metadata`, `invalid_redirect_uri`), and an unknown
client id is 401 `invalid_client` as Okta answers (RFC 7592 §2.1 also says 401). Parsing is
`registration.py`; writes go through `services`, `api_services`, `credentials_services` and
`lifecycle_services`, which write the System Log.
"""

from django.db import transaction
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.common import actor, paged
from accounts.api.filters import search_term
from authservers.http import NO_STORE
from authservers.services import ServiceError

from . import api_services, credentials_services, lifecycle_services, services
from .models import AuthMethod, Client
from .registration import RegistrationError, client_to_registration, field_error, metadata_to_client_kwargs

UNKNOWN_CLIENT = {"error": "invalid_client", "error_description": "Invalid value for 'client_id' parameter."}
NEW_SECRET_METHODS = (AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST)


def _answer(body, status_code: int = 200) -> Response:
    return Response(body, status=status_code, headers=NO_STORE)


def _unknown_client() -> Response:
    # The credential that failed to match is the admin token, so the challenge names its scheme.
    response = _answer(UNKNOWN_CLIENT, status.HTTP_401_UNAUTHORIZED)
    response["WWW-Authenticate"] = "SSWS"
    return response


def _error(exc: RegistrationError) -> Response:
    return _answer(exc.body(), status.HTTP_400_BAD_REQUEST)


def _service_error(exc: ServiceError) -> RegistrationError:
    prefix = f"{exc.field}: "
    message = exc.message[len(prefix):] if exc.field and exc.message.startswith(prefix) else exc.message
    return field_error(exc.field or "client_metadata", message)


def _metadata(request) -> dict:
    try:
        data = request.data
    except ParseError:
        raise RegistrationError("The request body is not well-formed JSON.") from None
    return metadata_to_client_kwargs(data)


def _client(client_id: str) -> Client | None:
    return lifecycle_services.client_get(client_id)


class RegistrationListApi(APIView):
    """listClients (`q` startsWith client_name, limit 20/200, after) and createClient (201)."""

    def get(self, request):
        queryset = Client.objects.all()
        q = search_term(request)
        if q:
            queryset = queryset.filter(label__istartswith=q)
        return paged(request, queryset, lambda client, base: client_to_registration(client),
                     default_limit=20, max_limit=200)

    def post(self, request):
        try:
            kwargs = _metadata(request)
            client, secret = services.client_create(**kwargs, actor=actor(request))
        except RegistrationError as exc:
            return _error(exc)
        except ServiceError as exc:
            return _error(_service_error(exc))
        return _answer(client_to_registration(client, secret), status.HTTP_201_CREATED)


class RegistrationDetailApi(APIView):
    """getClient, replaceClient (a full replace) and deleteClient (204: its tokens end with it)."""

    def get(self, request, client_id):
        client = _client(client_id)
        if client is None:
            return _unknown_client()
        return _answer(client_to_registration(client))

    def put(self, request, client_id):
        client = _client(client_id)
        if client is None:
            return _unknown_client()
        try:
            kwargs = _metadata(request)
            client, secret = api_services.client_replace(client=client, **kwargs, actor=actor(request))
        except RegistrationError as exc:
            return _error(exc)
        except ServiceError as exc:
            return _error(_service_error(exc))
        return _answer(client_to_registration(client, secret))

    def delete(self, request, client_id):
        client = _client(client_id)
        if client is None:
            return _unknown_client()
        with transaction.atomic():
            # RFC 7592 §2.3: the client's tokens end with it; Okta deletes active clients here too.
            lifecycle_services.client_deactivate(client=client, actor=actor(request))
            lifecycle_services.client_delete(client=client, actor=actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RegistrationNewSecretApi(APIView):
    """generateNewClientSecret: a new secret replaces the old ones at once (basic and post methods only)."""

    def post(self, request, client_id):
        client = _client(client_id)
        if client is None:
            return _unknown_client()
        if client.token_endpoint_auth_method not in NEW_SECRET_METHODS:
            return _error(field_error("token_endpoint_auth_method",
                                      "Only a client_secret_basic or client_secret_post client gets a new secret."))
        _, plaintext, _ = credentials_services.client_secret_rotate(client=client, actor=actor(request))
        client.refresh_from_db()
        return _answer(client_to_registration(client, plaintext))
