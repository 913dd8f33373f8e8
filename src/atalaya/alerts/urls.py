from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.AlertListView.as_view(), name="inbox"),
    path("<int:pk>/", views.AlertDetailView.as_view(), name="detail"),
    path("<int:pk>/<str:action>/", views.AlertActionView.as_view(), name="action"),
    path("estadisticas/", views.StatisticsView.as_view(), name="statistics"),
    path("suscripciones/", views.SubscriptionView.as_view(), name="subscriptions"),
    path("configuracion/<str:code>/", views.SettingsView.as_view(), name="settings"),
]
