from django.urls import path

from . import views

app_name = "datasets"

urlpatterns = [
    path("municipios/<str:code>/", views.MunicipalityDetailView.as_view(), name="municipality"),
    path("municipios/<str:code>/fuera.csv", views.OutsideIncidentsView.as_view(), name="outside_incidents"),
    path("conjuntos/", views.DatasetListView.as_view(), name="dataset_list"),
    path("conjuntos/<int:pk>/", views.DatasetDetailView.as_view(), name="dataset"),
    path("conjuntos/<int:pk>/informe.csv", views.DatasetReportView.as_view(), name="dataset_report"),
    path("importar/", views.UploadView.as_view(), name="upload"),
    path("mapeos/", views.MappingListView.as_view(), name="mapping_list"),
    path("mapeos/nuevo/", views.MappingCreateView.as_view(), name="mapping_create"),
    path("mapeos/<slug:name>/", views.MappingUpdateView.as_view(), name="mapping_update"),
    path("importar/trabajos/<int:pk>/", views.JobDetailView.as_view(), name="job"),
    path("importar/trabajos/<int:pk>/confirmar/", views.JobConfirmView.as_view(), name="job_confirm"),
]
