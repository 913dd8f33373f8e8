from django.urls import path

from . import views

urlpatterns = [
    path("indicators/", views.IndicatorList.as_view(), name="indicators"),
    path("indicators/<slug:code>/values/", views.IndicatorValues.as_view(), name="indicator_values"),
    path(
        "public/indicators/<slug:code>/values/", views.PublicIndicatorValues.as_view(), name="public_indicator_values"
    ),
    path("territories/", views.TerritoryGeoJSON.as_view(), name="territories"),
    path("categories/", views.CategoryList.as_view(), name="categories"),
]
