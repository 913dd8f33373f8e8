from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("<str:code>/", views.SurveyListView.as_view(), name="list"),
    path("<str:code>/importar/", views.SurveyImportView.as_view(), name="import"),
    path("<str:code>/mapeo-enusc/", views.EnuscMappingView.as_view(), name="enusc_mapping"),
    path("<str:code>/estimaciones.csv", views.EstimatesExportView.as_view(), name="export"),
    path("<str:code>/<int:pk>/", views.SurveyDetailView.as_view(), name="detail"),
    path("<str:code>/<int:pk>/borrar/", views.SurveyDeleteView.as_view(), name="delete"),
]
