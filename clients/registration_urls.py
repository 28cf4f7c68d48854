from django.urls import path

from . import registration_views as views

app_name = "clients_registration"

urlpatterns = [
    path("oauth2/v1/clients", views.RegistrationListApi.as_view(), name="clients"),
    path("oauth2/v1/clients/<str:client_id>", views.RegistrationDetailApi.as_view(), name="client"),
    path("oauth2/v1/clients/<str:client_id>/lifecycle/newSecret", views.RegistrationNewSecretApi.as_view(),
         name="client-new-secret"),
]
