"""URLs of the client credential APIs, included under /api/v1/ by config/urls.py."""

from django.urls import path

from . import credentials_api as views

app_name = "client_credentials_api"

_secrets = "apps/<str:app_id>/credentials/secrets"
_jwks = "apps/<str:app_id>/credentials/jwks"

urlpatterns = [
    path(_secrets, views.ClientSecretListApi.as_view(), name="secrets"),
    path(f"{_secrets}/<str:secret_id>", views.ClientSecretDetailApi.as_view(), name="secret"),
    path(f"{_secrets}/<str:secret_id>/lifecycle/activate", views.ClientSecretActivateApi.as_view(),
         name="secret-activate"),
    path(f"{_secrets}/<str:secret_id>/lifecycle/deactivate", views.ClientSecretDeactivateApi.as_view(),
         name="secret-deactivate"),
    path(_jwks, views.ClientJwkListApi.as_view(), name="jwks"),
    path(f"{_jwks}/<str:key_id>", views.ClientJwkDetailApi.as_view(), name="jwk"),
    path(f"{_jwks}/<str:key_id>/lifecycle/activate", views.ClientJwkActivateApi.as_view(), name="jwk-activate"),
    path(f"{_jwks}/<str:key_id>/lifecycle/deactivate", views.ClientJwkDeactivateApi.as_view(),
         name="jwk-deactivate"),
]
