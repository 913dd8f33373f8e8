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
]
