from django.urls import path

from . import consent_views, device_views, views

app_name = "authservers"
urlpatterns = [
    path("oauth2/<str:server_id>/v1/authorize", views.authorize, name="authorize"),
    path("oauth2/<str:server_id>/v1/token", views.token, name="token"),
    path("oauth2/<str:server_id>/v1/introspect", views.introspect, name="introspect"),
    path("oauth2/<str:server_id>/v1/revoke", views.revoke, name="revoke"),
    path("oauth2/<str:server_id>/v1/userinfo", views.userinfo, name="userinfo"),
    path("oauth2/<str:server_id>/v1/logout", views.logout, name="logout"),
    path("oauth2/<str:server_id>/v1/keys", views.keys, name="jwks"),
    # A page, not a protocol endpoint: outside /oauth2/ so its errors (CSRF included) render as pages.
    path("consent/<str:request_id>", consent_views.consent, name="consent"),
    path("oauth2/<str:server_id>/v1/device/authorize", device_views.device_authorize, name="device-authorize"),
    path("activate", device_views.activate, name="activate"),
    path("oauth2/<str:server_id>/.well-known/openid-configuration", views.openid_configuration,
         name="openid-configuration"),
    path("oauth2/<str:server_id>/.well-known/oauth-authorization-server", views.oauth_authorization_server,
         name="oauth-authorization-server"),
    # RFC 8414 §3.1: the well-known suffix inserted before the issuer's path
    path(".well-known/oauth-authorization-server/oauth2/<str:server_id>", views.oauth_authorization_server,
         name="oauth-authorization-server-rfc8414"),
]
