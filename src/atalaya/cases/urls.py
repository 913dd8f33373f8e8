from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("bandeja/", views.InboxView.as_view(), name="inbox"),
    path("ingreso/", views.IntakeView.as_view(), name="intake"),
    path("listas/", views.PoliceListView.as_view(), name="police_list"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="detail"),
    path("<int:pk>/tamizaje/<slug:instrument>/", views.ScreeningView.as_view(), name="screening"),
    path("<int:pk>/consentimiento/", views.ConsentView.as_view(), name="consent"),
    path("<int:pk>/derivar/", views.ReferralView.as_view(), name="refer"),
    path("<int:pk>/derivaciones/<int:tid>/", views.AnswerView.as_view(), name="answer"),
    path("<int:pk>/plan/", views.ServiceLineView.as_view(), name="line"),
    path("<int:pk>/plan/<int:lid>/", views.LineCloseView.as_view(), name="line_close"),
    path("<int:pk>/seguimientos/", views.FollowUpView.as_view(), name="follow_up"),
    path("<int:pk>/seguimientos/<int:fid>/", views.FollowUpDoneView.as_view(), name="follow_up_done"),
    path("<int:pk>/aprobacion/", views.ApprovalRequestView.as_view(), name="approval"),
    path("<int:pk>/aprobaciones/<int:aid>/", views.DecisionView.as_view(), name="decide"),
    path("<int:pk>/asignar/", views.AssignView.as_view(), name="assign"),
    path("<int:pk>/reabrir/", views.ReopenView.as_view(), name="reopen"),
    path("<int:pk>/hogar/", views.HouseholdView.as_view(), name="household"),
    path("<int:pk>/persona/corregir/", views.IdentityView.as_view(), name="identity"),
    path("<int:pk>/registro/", views.CaseLogView.as_view(), name="log"),
    path("emergencia/", views.EmergencyAccessView.as_view(), name="emergency"),
    path("tablero/", views.DashboardView.as_view(), name="dashboard"),
    path("exportar/", views.CaseExportView.as_view(), name="export"),
    path("<int:pk>/persona/", views.SubjectAccessView.as_view(), name="subject_access"),
    path("agregados/<str:code>/", views.AggregatesView.as_view(), name="aggregates"),
]
