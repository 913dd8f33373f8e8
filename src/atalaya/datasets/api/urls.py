from django.urls import include, path

from . import views

app_name = "api"

urlpatterns = [
    path("municipalities/", views.MunicipalityList.as_view(), name="municipalities"),
    path("datasets/", views.DatasetList.as_view(), name="datasets"),
    path("counts/", views.CountList.as_view(), name="counts"),
    path("", include("atalaya.indicators.api.urls")),
    path("", include("atalaya.alerts.api.urls")),
]
