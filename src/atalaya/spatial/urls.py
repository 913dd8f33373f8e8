from django.urls import path

from . import views

app_name = "spatial"

urlpatterns = [
    path("<str:code>/", views.MapView.as_view(), name="map"),
    path("<str:code>/capa/<slug:layer>.geojson", views.LayerExportView.as_view(), name="layer"),
    path("<str:code>/densidad.png", views.DensityImageView.as_view(), name="density_png"),
]
