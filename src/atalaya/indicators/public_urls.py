from django.urls import path

from . import public_views as views

app_name = "portal"

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("metodologia/", views.MethodologyView.as_view(), name="methodology"),
    path("indicadores/<slug:code>/", views.IndicatorSheetView.as_view(), name="indicator"),
    path("<str:code>/", views.PortalMunicipalityView.as_view(), name="municipality"),
    path("<str:code>/indicadores.csv", views.PortalDownloadView.as_view(), name="download"),
    path("<str:code>/<slug:indicator>.geojson", views.PortalGeoJSONView.as_view(), name="geojson"),
]
