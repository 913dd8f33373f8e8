from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("red/", views.NetworkView.as_view(), name="network"),
    path("catalogo/", views.IndicatorListView.as_view(), name="catalogue"),
    path("catalogo/nuevo/", views.IndicatorCreateView.as_view(), name="indicator_create"),
    path("catalogo/<slug:code>/", views.IndicatorUpdateView.as_view(), name="indicator_update"),
    path("<str:code>/", views.DashboardView.as_view(), name="dashboard"),
    path("<str:code>/calidad/", views.QualityView.as_view(), name="quality"),
    path("<str:code>/ranking.<str:fmt>", views.RankingExportView.as_view(), name="ranking_export"),
]
