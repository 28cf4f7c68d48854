from django.urls import path

from . import views

app_name = "authservers_monitoring"

_server_client = "authorizationServers/<str:server_id>/clients/<str:client_id>"
_user = "users/<str:user_id>"

urlpatterns = [
    path("authorizationServers/<str:server_id>/clients", views.ServerClientsApi.as_view(), name="server-clients"),
    path(f"{_server_client}/tokens", views.ServerClientTokensApi.as_view(), name="server-client-tokens"),
    path(f"{_server_client}/tokens/<str:token_id>", views.ServerClientTokenApi.as_view(),
         name="server-client-token"),
    path(f"{_user}/clients", views.UserClientsApi.as_view(), name="user-clients"),
    path(f"{_user}/clients/<str:client_id>/tokens", views.UserClientTokensApi.as_view(), name="user-client-tokens"),
    path(f"{_user}/clients/<str:client_id>/tokens/<str:token_id>", views.UserClientTokenApi.as_view(),
         name="user-client-token"),
    path(f"{_user}/clients/<str:client_id>/grants", views.UserClientGrantsApi.as_view(), name="user-client-grants"),
    path(f"{_user}/grants", views.UserGrantsApi.as_view(), name="user-grants"),
    path(f"{_user}/grants/<str:grant_id>", views.UserGrantApi.as_view(), name="user-grant"),
    path("apps/<str:app_id>/tokens", views.AppTokensApi.as_view(), name="app-tokens"),
    path("apps/<str:app_id>/tokens/<str:token_id>", views.AppTokenApi.as_view(), name="app-token"),
]
