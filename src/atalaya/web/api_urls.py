"""The API's root: each app's ``api/urls.py`` under one namespace (``api:``), assembled here by the shell."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("atalaya.datasets.api.urls")),
    path("", include("atalaya.cube.api.urls")),
    path("", include("atalaya.indicators.api.urls")),
    path("", include("atalaya.alerts.api.urls")),
]
