from django.urls import path

from . import views

app_name = "proximity"

urlpatterns = [
    path("<str:code>/problemas/", views.ProblemListView.as_view(), name="list"),
    path("<str:code>/problemas/nuevo/", views.StaffReportView.as_view(), name="report"),
    path("problemas/<int:pk>/", views.ProblemDetailView.as_view(), name="detail"),
    path("problemas/<int:pk>/estado/", views.StatusView.as_view(), name="status"),
    path("problemas/<int:pk>/nota/", views.NoteView.as_view(), name="note"),
    path("problemas/<int:pk>/unir/", views.MergeView.as_view(), name="merge"),
    path("problemas/<int:pk>/privacidad/", views.PrivacyView.as_view(), name="privacy"),
    path("problemas/<int:pk>/adjuntar/", views.AttachView.as_view(), name="attach"),
    path("adjuntos/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
    path("problemas/<int:pk>/sara/", views.SaraView.as_view(), name="sara"),
    path("problemas/<int:pk>/sara/guardar/", views.SaraSaveView.as_view(), name="sara_save"),
    path("problemas/<int:pk>/sara/acciones/", views.SaraActionAddView.as_view(), name="sara_action"),
    path(
        "problemas/<int:pk>/sara/acciones/<int:action>/",
        views.SaraActionStatusView.as_view(),
        name="sara_action_status",
    ),
    path("problemas/<int:pk>/sara/evaluar/", views.SaraAssessView.as_view(), name="sara_assess"),
    path("<str:code>/mesas/", views.MesaListView.as_view(), name="mesas"),
    path("mesas/<int:pk>/", views.MesaDetailView.as_view(), name="mesa"),
    path("mesas/<int:pk>/integrantes/", views.MemberAddView.as_view(), name="mesa_member"),
    path("mesas/<int:pk>/convocar/", views.SessionCallView.as_view(), name="mesa_call"),
    path("sesiones/<int:pk>/", views.SessionDetailView.as_view(), name="session"),
    path("sesiones/<int:pk>/asistencia/", views.AttendanceView.as_view(), name="session_attendance"),
    path("sesiones/<int:pk>/acta/", views.MinutesView.as_view(), name="session_minutes"),
    path("sesiones/<int:pk>/acta/aprobar/", views.ApproveMinutesView.as_view(), name="session_approve"),
    path("sesiones/<int:pk>/acuerdos/", views.AgreementAddView.as_view(), name="session_agreement"),
    path("sesiones/<int:pk>/tabla/", views.AgendaItemAddView.as_view(), name="session_agenda"),
    path("sesiones/<int:pk>/documentos/", views.SessionDocumentAddView.as_view(), name="session_document_add"),
    path("documentos/<int:pk>/", views.SessionDocumentView.as_view(), name="session_document"),
    path("acuerdos/<int:pk>/", views.AgreementUpdateView.as_view(), name="agreement_update"),
    path("<str:code>/revision-semanal/", views.WeeklyReviewView.as_view(), name="review"),
    path("<str:code>/revision-semanal/archivos/<str:name>", views.ReviewFileView.as_view(), name="review_file"),
    path("<str:code>/mi-territorio/", views.TerritoryScreenView.as_view(), name="territory"),
    path("<str:code>/comentarios/", views.ModerationView.as_view(), name="moderation"),
]
