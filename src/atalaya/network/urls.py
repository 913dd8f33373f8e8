from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("", views.NetworkView.as_view(), name="overview"),
    path("practicas/", views.PracticeListView.as_view(), name="list"),
    path("practicas/nueva/", views.PracticeCreateView.as_view(), name="create"),
    path("practicas/<slug:code>/", views.PracticeDetailView.as_view(), name="detail"),
    path("practicas/<slug:code>/editar/", views.PracticeEditView.as_view(), name="edit"),
    path("p/<int:pk>/enviar/", views.SubmitView.as_view(), name="submit"),
    path("p/<int:pk>/resultado/", views.OutcomeAddView.as_view(), name="outcome_add"),
    path("p/<int:pk>/asignar/", views.AssignView.as_view(), name="assign"),
    path("p/<int:pk>/revisar/", views.ReviewView.as_view(), name="review"),
    path("p/<int:pk>/consenso/", views.SettleView.as_view(), name="settle"),
    path("p/<int:pk>/apelar/", views.AppealView.as_view(), name="appeal"),
    path("p/<int:pk>/adoptar/", views.AdoptView.as_view(), name="adopt"),
    path("p/<int:pk>/documento/", views.DocumentAddView.as_view(), name="document_add"),
    path("documentos/<int:pk>/", views.PracticeDocumentView.as_view(), name="document"),
    path("referencias/", views.BenchmarksView.as_view(), name="benchmarks"),
    path("actividades/nueva/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("actividades/<int:pk>/", views.ActivityDetailView.as_view(), name="activity"),
    path("a/<int:pk>/inscripciones/", views.RegistrationsUploadView.as_view(), name="registrations"),
    path("a/<int:pk>/material/", views.MaterialAddView.as_view(), name="material_add"),
    path("materiales/<int:pk>/", views.MaterialView.as_view(), name="material"),
    path("transferencias/nueva/", views.TransferFormView.as_view(), name="transfer_create"),
    path("transferencias/<int:pk>/", views.TransferDetailView.as_view(), name="transfer"),
    path("transferencias/<int:pk>/editar/", views.TransferFormView.as_view(), name="transfer_edit"),
    path("t/<int:pk>/documento/", views.TransferDocumentAddView.as_view(), name="transfer_document_add"),
    path("documentos-transferencia/<int:pk>/", views.TransferDocumentView.as_view(), name="transfer_document"),
]
