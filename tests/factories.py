"""factory_boy factories. Servers, scopes and clients are made through their services, as users make them.

Servers must come from `authserver_create` (keys, system scopes); clients from `client_create`
(encrypted secret, Okta defaults). `_create` delegates to the service and keeps factory_boy's
sequences and per-field overrides.
"""

import factory

from authservers.models import AuthorizationServer, Scope
from authservers.services import authserver_create, scope_create
from clients.models import Client
from clients.services import client_create


class AuthorizationServerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorizationServer

    name = factory.Sequence(lambda n: f"Orders API {n}")
    audiences = factory.Sequence(lambda n: [f"api://orders-{n}"])
    description = ""
    default_policy = True  # Okta's Default Policy; pass False for a server that denies everything

    @classmethod
    def _create(cls, model_class, **kwargs):
        return authserver_create(**kwargs)


class ScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scope

    server = factory.SubFactory(AuthorizationServerFactory)
    name = factory.Sequence(lambda n: f"orders:scope{n}")

    @classmethod
    def _create(cls, model_class, **kwargs):
        return scope_create(**kwargs)


class ClientFactory(factory.django.DjangoModelFactory):
    """A service app (client_credentials, client_secret_basic); `.plaintext_secret` holds its secret."""

    class Meta:
        model = Client

    label = factory.Sequence(lambda n: f"billing-service-{n}")
    grant_types = factory.LazyFunction(lambda: ["client_credentials"])
    token_endpoint_auth_method = "client_secret_basic"

    @classmethod
    def _create(cls, model_class, **kwargs):
        client, secret = client_create(**kwargs)
        client.plaintext_secret = secret
        return client
