from django.urls import path

from . import views

app_name = "accounts_api"

_user = "users/<str:user_id>"
_group = "groups/<str:group_id>"

urlpatterns = [
    path("users", views.UserListApi.as_view(), name="users"),
    path(_user, views.UserDetailApi.as_view(), name="user"),
    *[path(f"{_user}/lifecycle/{operation}", views.USER_LIFECYCLE_APIS[operation].as_view(),
           name=f"user-{operation}") for operation in ("activate", "deactivate", "suspend", "unsuspend")],
    path("groups", views.GroupListApi.as_view(), name="groups"),
    path(_group, views.GroupDetailApi.as_view(), name="group"),
    path(f"{_group}/users", views.GroupUserListApi.as_view(), name="group-users"),
    path(f"{_group}/users/<str:user_id>", views.GroupUserApi.as_view(), name="group-user"),
]
