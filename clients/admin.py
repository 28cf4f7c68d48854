from django.contrib import admin
from oauth2_provider.models import get_access_token_model, get_application_model, get_grant_model, \
    get_id_token_model, get_refresh_token_model

# django-oauth-toolkit registers admins built for its own model fields; Castellan's replace them.
for model in (get_application_model(), get_access_token_model(), get_grant_model(), get_id_token_model(),
              get_refresh_token_model()):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
