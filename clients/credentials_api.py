"""`/api/v1/apps/{appId}/credentials/secrets` and `/credentials/jwks`: Okta's client credential APIs.

Zero-downtime secret rotation and key management (REFERENCE §8.2). Each view parses, looks the
objects up, calls `clients.credentials_services` and answers with Okta's `OAuth2ClientSecret` /
`OAuth2ClientJsonWebKey` shapes; errors are rendered once, by `config.api`. A secret's plaintext
is in the response to the request that created it and nowhere else.
"""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from authservers import systemlog
from authservers.api.serializers import api_base_url
from authservers.presenters import api_base, link, okta_timestamp
from config.api import OktaAPIError, not_found
from config.openapi import links_field, okta_responses

from . import credentials_services as services
from .models import Client, ClientJsonWebKey, ClientSecret, JsonWebKeyStatus, SecretStatus

MAX_BODY_KEYS = 20
SECRET_TAGS = ["ApplicationSSOCredentialOAuth2ClientAuth"]


# --- the shapes, for the OpenAPI document ----------------------------------------------------------

@extend_schema_serializer(component_name="OAuth2ClientSecretRequestBody")
class SecretInput(serializers.Serializer):
    client_secret = serializers.CharField(required=False, help_text="Your own secret; generated when left out")
    status = serializers.ChoiceField(choices=SecretStatus.choices, required=False)


@extend_schema_serializer(component_name="OAuth2ClientSecret")
class SecretOutput(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=SecretStatus.choices)
    secret_hash = serializers.CharField()
    client_secret = serializers.CharField(required=False, help_text="Only in the answer that created it")
    created = serializers.DateTimeField()
    lastUpdated = serializers.DateTimeField()
    _links = links_field()


@extend_schema_serializer(component_name="OAuth2ClientJsonWebKeyRequestBody")
class JwkInput(serializers.Serializer):
    """A public JWK (other JWK members are accepted too)."""

    kid = serializers.CharField(required=False)
    kty = serializers.CharField()
    alg = serializers.CharField(required=False)
    use = serializers.CharField(required=False)
    e = serializers.CharField(required=False)
    n = serializers.CharField(required=False)
    crv = serializers.CharField(required=False)
    x = serializers.CharField(required=False)
    y = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=JsonWebKeyStatus.choices, required=False)


@extend_schema_serializer(component_name="OAuth2ClientJsonWebKey")
class JwkOutput(serializers.Serializer):
    """The key's public members (`kty`, `kid`, `alg`, `use`, `e`/`n` or `crv`/`x`/`y`), status and dates."""

    id = serializers.CharField()
    kty = serializers.CharField()
    kid = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=JsonWebKeyStatus.choices)
    created = serializers.DateTimeField()
    lastUpdated = serializers.DateTimeField()
    _links = links_field()


def _actor(request) -> dict:
    return systemlog.actor_for_user(request.user)


def _usable_id(value: str) -> bool:
    return len(value) <= 20 and "\x00" not in value


def _client_or_404(app_id: str) -> Client:
    client = Client.objects.filter(pk=app_id).first() if _usable_id(app_id) else None
    if client is None:
        raise not_found(app_id, "Application")
    return client


def _body(request) -> dict:
    data = request.data
    if data in (None, "") or (hasattr(data, "keys") and not data):
        return {}
    if not isinstance(data, dict) or len(data) > MAX_BODY_KEYS:
        raise OktaAPIError("E0000003", "The request body was not well-formed.", 400)
    return data


def _credentials_url(request, client: Client, kind: str) -> str:
    return f"{api_base(api_base_url(request))}/api/v1/apps/{client.id}/credentials/{kind}"


def _links(url: str, active: bool) -> dict:
    if active:
        return {"deactivate": link(f"{url}/lifecycle/deactivate", "POST")}
    return {"activate": link(f"{url}/lifecycle/activate", "POST"), "delete": link(url, "DELETE")}


def secret_to_okta(secret: ClientSecret, url: str, plaintext: str | None = None) -> dict:
    """An `OAuth2ClientSecret`; `client_secret` only in the answer to its creation."""
    body = {"id": secret.id, "status": secret.status, "secret_hash": secret.secret_hash,
            "created": okta_timestamp(secret.created), "lastUpdated": okta_timestamp(secret.last_updated)}
    if plaintext is not None:
        body["client_secret"] = plaintext
    body["_links"] = _links(f"{url}/{secret.id}", secret.status == SecretStatus.ACTIVE)
    return body


def jwk_to_okta(key: ClientJsonWebKey, url: str) -> dict:
    """An `OAuth2ClientJsonWebKey`: the public members, status and dates."""
    body = {"id": key.id, **key.public_jwk, "status": key.status, "created": okta_timestamp(key.created),
            "lastUpdated": okta_timestamp(key.last_updated)}
    body["_links"] = _links(f"{url}/{key.id}", key.status == JsonWebKeyStatus.ACTIVE)
    return body


# --- secrets -------------------------------------------------------------------------------------

def _secret_or_404(client: Client, secret_id: str) -> ClientSecret:
    secret = client.secrets.filter(pk=secret_id).first() if _usable_id(secret_id) else None
    if secret is None:
        raise not_found(secret_id, "OAuth2ClientSecret")
    return secret


class ClientSecretListApi(APIView):
    """listOAuth2ClientSecrets, createOAuth2ClientSecret (201)."""

    @extend_schema(operation_id="listOAuth2ClientSecrets", tags=SECRET_TAGS,
                   responses=okta_responses(200, SecretOutput(many=True), 404))
    def get(self, request, app_id):
        client = _client_or_404(app_id)
        url = _credentials_url(request, client, "secrets")
        return Response([secret_to_okta(secret, url) for secret in client.secrets.order_by("created", "pk")])

    @extend_schema(operation_id="createOAuth2ClientSecret", tags=SECRET_TAGS, request=SecretInput,
                   responses=okta_responses(201, SecretOutput, 400, 404, 413))
    def post(self, request, app_id):
        client = _client_or_404(app_id)
        data = _body(request)
        supplied = data.get("client_secret")
        if supplied is not None and not isinstance(supplied, str):
            raise OktaAPIError("E0000001", "Api validation failed: client_secret", 400,
                               ["client_secret: 'client_secret' must be a string."])
        record, plaintext = services.client_secret_create(
            client=client, secret=supplied, status=data.get("status", SecretStatus.ACTIVE), actor=_actor(request))
        url = _credentials_url(request, client, "secrets")
        return Response(secret_to_okta(record, url, plaintext), status=status.HTTP_201_CREATED)


class ClientSecretDetailApi(APIView):
    """getOAuth2ClientSecret, deleteOAuth2ClientSecret (204, inactive secrets only)."""

    @extend_schema(operation_id="getOAuth2ClientSecret", tags=SECRET_TAGS,
                   responses=okta_responses(200, SecretOutput, 404))
    def get(self, request, app_id, secret_id):
        client = _client_or_404(app_id)
        return Response(secret_to_okta(_secret_or_404(client, secret_id), _credentials_url(request, client, "secrets")))

    @extend_schema(operation_id="deleteOAuth2ClientSecret", tags=SECRET_TAGS,
                   responses=okta_responses(204, None, 400, 404))
    def delete(self, request, app_id, secret_id):
        client = _client_or_404(app_id)
        services.client_secret_delete(client=client, secret=_secret_or_404(client, secret_id), actor=_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClientSecretActivateApi(APIView):
    """activateOAuth2ClientSecret (200 with the secret)."""

    @extend_schema(operation_id="activateOAuth2ClientSecret", tags=SECRET_TAGS, request=None,
                   responses=okta_responses(200, SecretOutput, 400, 404))
    def post(self, request, app_id, secret_id):
        client = _client_or_404(app_id)
        secret = services.client_secret_activate(client=client, secret=_secret_or_404(client, secret_id),
                                                 actor=_actor(request))
        return Response(secret_to_okta(secret, _credentials_url(request, client, "secrets")))


class ClientSecretDeactivateApi(APIView):
    """deactivateOAuth2ClientSecret (200 with the secret; never the last active one)."""

    @extend_schema(operation_id="deactivateOAuth2ClientSecret", tags=SECRET_TAGS, request=None,
                   responses=okta_responses(200, SecretOutput, 400, 404))
    def post(self, request, app_id, secret_id):
        client = _client_or_404(app_id)
        secret = services.client_secret_deactivate(client=client, secret=_secret_or_404(client, secret_id),
                                                   actor=_actor(request))
        return Response(secret_to_okta(secret, _credentials_url(request, client, "secrets")))


# --- JSON Web Keys ---------------------------------------------------------------------------------

def _key_or_404(client: Client, key_id: str) -> ClientJsonWebKey:
    key = client.json_web_keys.filter(pk=key_id).first() if _usable_id(key_id) else None
    if key is None:
        raise not_found(key_id, "OAuth2ClientJsonWebKey")
    return key


class ClientJwkListApi(APIView):
    """listJwk, addJwk (201)."""

    @extend_schema(operation_id="listJwk", tags=SECRET_TAGS, responses=okta_responses(200, JwkOutput(many=True), 404))
    def get(self, request, app_id):
        client = _client_or_404(app_id)
        url = _credentials_url(request, client, "jwks")
        return Response([jwk_to_okta(key, url) for key in client.json_web_keys.order_by("created", "pk")])

    @extend_schema(operation_id="addJwk", tags=SECRET_TAGS, request=JwkInput,
                   responses=okta_responses(201, JwkOutput, 400, 404, 413))
    def post(self, request, app_id):
        client = _client_or_404(app_id)
        key = services.client_jwk_create(client=client, data=_body(request), actor=_actor(request))
        return Response(jwk_to_okta(key, _credentials_url(request, client, "jwks")), status=status.HTTP_201_CREATED)


class ClientJwkDetailApi(APIView):
    """getJwk, deletejwk (204, inactive keys only)."""

    @extend_schema(operation_id="getJwk", tags=SECRET_TAGS, responses=okta_responses(200, JwkOutput, 404))
    def get(self, request, app_id, key_id):
        client = _client_or_404(app_id)
        return Response(jwk_to_okta(_key_or_404(client, key_id), _credentials_url(request, client, "jwks")))

    @extend_schema(operation_id="deletejwk", tags=SECRET_TAGS, responses=okta_responses(204, None, 400, 404))
    def delete(self, request, app_id, key_id):
        client = _client_or_404(app_id)
        services.client_jwk_delete(client=client, key=_key_or_404(client, key_id), actor=_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClientJwkActivateApi(APIView):
    """activateOAuth2ClientJsonWebKey (200 with the key)."""

    @extend_schema(operation_id="activateOAuth2ClientJsonWebKey", tags=SECRET_TAGS, request=None,
                   responses=okta_responses(200, JwkOutput, 400, 404))
    def post(self, request, app_id, key_id):
        client = _client_or_404(app_id)
        key = services.client_jwk_activate(client=client, key=_key_or_404(client, key_id), actor=_actor(request))
        return Response(jwk_to_okta(key, _credentials_url(request, client, "jwks")))


class ClientJwkDeactivateApi(APIView):
    """deactivateOAuth2ClientJsonWebKey (200 with the key)."""

    @extend_schema(operation_id="deactivateOAuth2ClientJsonWebKey", tags=SECRET_TAGS, request=None,
                   responses=okta_responses(200, JwkOutput, 400, 404))
    def post(self, request, app_id, key_id):
        client = _client_or_404(app_id)
        key = services.client_jwk_deactivate(client=client, key=_key_or_404(client, key_id), actor=_actor(request))
        return Response(jwk_to_okta(key, _credentials_url(request, client, "jwks")))
