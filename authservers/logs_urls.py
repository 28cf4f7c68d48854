"""The System Log query API, included under /api/v1/ by config/urls.py."""

from django.urls import path

from .logs_api import SystemLogApi

app_name = "systemlog_api"
urlpatterns = [path("logs", SystemLogApi.as_view(), name="logs")]
