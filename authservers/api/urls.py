from django.urls import path

from . import views

app_name = "authservers_api"

_server = "authorizationServers/<str:server_id>"

urlpatterns = [
    path("authorizationServers", views.AuthorizationServerListApi.as_view(), name="list"),
    path(_server, views.AuthorizationServerDetailApi.as_view(), name="detail"),
    path(f"{_server}/lifecycle/activate", views.AuthorizationServerActivateApi.as_view(), name="activate"),
    path(f"{_server}/lifecycle/deactivate", views.AuthorizationServerDeactivateApi.as_view(), name="deactivate"),
    path(f"{_server}/scopes", views.ScopeListApi.as_view(), name="scopes"),
    path(f"{_server}/scopes/<str:scope_id>", views.ScopeDetailApi.as_view(), name="scope"),
    path(f"{_server}/credentials/keys", views.KeyListApi.as_view(), name="keys"),
    path(f"{_server}/credentials/keys/<str:kid>", views.KeyDetailApi.as_view(), name="key"),
    path(f"{_server}/credentials/lifecycle/keyRotate", views.KeyRotateApi.as_view(), name="key-rotate"),
]
