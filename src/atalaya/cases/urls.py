from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("ingreso/", views.IntakeView.as_view(), name="intake"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="detail"),
    path("<int:pk>/tamizaje/<slug:instrument>/", views.ScreeningView.as_view(), name="screening"),
]
