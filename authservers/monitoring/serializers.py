"""The monitoring API's bodies, for the OpenAPI document only (the presenters build the answers)."""

from rest_framework import serializers

from config.openapi import links_field


class OAuth2ClientOutput(serializers.Serializer):
    """Okta's OAuth2Client: a client holding tokens or grants."""

    client_id = serializers.CharField()
    client_name = serializers.CharField()
    client_uri = serializers.CharField(allow_null=True)
    logo_uri = serializers.CharField(allow_null=True)
    _links = links_field()


class OAuth2RefreshTokenOutput(serializers.Serializer):
    """Okta's OAuth2RefreshToken (`_embedded.scopes` with `expand=scope`)."""

    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["ACTIVE", "REVOKED"])
    created = serializers.DateTimeField()
    lastUpdated = serializers.DateTimeField()
    expiresAt = serializers.DateTimeField(allow_null=True)
    issuer = serializers.CharField()
    clientId = serializers.CharField()
    userId = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    _embedded = serializers.DictField(required=False)
    _links = links_field()


class OAuth2ScopeConsentGrantOutput(serializers.Serializer):
    """Okta's OAuth2ScopeConsentGrant (`_embedded.scope` with `expand=scope`)."""

    id = serializers.CharField()
    status = serializers.CharField()
    created = serializers.DateTimeField()
    createdBy = serializers.DictField()
    lastUpdated = serializers.DateTimeField()
    issuer = serializers.CharField()
    clientId = serializers.CharField()
    userId = serializers.CharField()
    scopeId = serializers.CharField()
    source = serializers.CharField()
    _embedded = serializers.DictField(required=False)
    _links = links_field()
