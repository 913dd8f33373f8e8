from django.urls import path

from . import public_views as views

app_name = "surveys_public"

urlpatterns = [
    path("<str:code>/encuestas/", views.PublicSurveyView.as_view(), name="summary"),
    path("<str:code>/encuestas.csv", views.PublicSurveyCsvView.as_view(), name="csv"),
]
