from django.urls import path

from . import views

app_name = "clients_api"

_app = "apps/<str:app_id>"

urlpatterns = [
    path("apps", views.AppListApi.as_view(), name="apps"),
    path(_app, views.AppDetailApi.as_view(), name="app"),
    path(f"{_app}/lifecycle/activate", views.AppActivateApi.as_view(),
         name="app-activate"),
    path(f"{_app}/lifecycle/deactivate", views.AppDeactivateApi.as_view(),
         name="app-deactivate"),
    path(f"{_app}/users", views.AppUserListApi.as_view(), name="app-users"),
    path(f"{_app}/users/<str:user_id>", views.AppUserApi.as_view(), name="app-user"),
    path(f"{_app}/groups", views.AppGroupListApi.as_view(), name="app-groups"),
    path(f"{_app}/groups/<str:group_id>", views.AppGroupApi.as_view(), name="app-group"),
]
