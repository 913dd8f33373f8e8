from django.urls import path

from . import views

app_name = "programmes"

urlpatterns = [
    path("<str:code>/", views.ProgrammeListView.as_view(), name="list"),
    path("<str:code>/nuevo/", views.ProgrammeCreateView.as_view(), name="create"),
    path("<str:code>/iati.xml", views.IatiView.as_view(), name="iati"),
    path("<str:code>/costos-unitarios/", views.CrimeCostView.as_view(), name="crime_costs"),
    path("p/<int:pk>/", views.ProgrammeDetailView.as_view(), name="detail"),
    path("p/<int:pk>/editar/", views.ProgrammeEditView.as_view(), name="edit"),
    path("p/<int:pk>/estado/", views.StatusView.as_view(), name="status"),
    path("p/<int:pk>/nivel/", views.LevelAddView.as_view(), name="level_add"),
    path("p/<int:pk>/indicador/", views.IndicatorAddView.as_view(), name="indicator_add"),
    path("p/<int:pk>/presupuesto/", views.BudgetAddView.as_view(), name="budget_add"),
    path("p/<int:pk>/evaluar/", views.EvaluateView.as_view(), name="evaluate"),
    path("p/<int:pk>/costo-beneficio/", views.SheetCreateView.as_view(), name="sheet_create"),
    path("i/<int:pk>/", views.IndicatorDetailView.as_view(), name="indicator"),
    path("i/<int:pk>/editar/", views.IndicatorEditView.as_view(), name="indicator_edit"),
    path("i/<int:pk>/meta/", views.TargetAddView.as_view(), name="target_add"),
    path("i/<int:pk>/medicion/", views.MeasurementAddView.as_view(), name="measurement_add"),
    path("i/<int:pk>/calcular/", views.RecomputeView.as_view(), name="recompute"),
    path("m/<int:pk>/revisar/", views.ReviewView.as_view(), name="review"),
    path("evidencia/<int:pk>/", views.EvidenceView.as_view(), name="evidence"),
    path("e/<int:pk>/", views.EvaluationView.as_view(), name="evaluation"),
    path("cb/<int:pk>/", views.SheetView.as_view(), name="sheet"),
    path("cb/<int:pk>/resumen.pdf", views.SheetPdfView.as_view(), name="sheet_pdf"),
]
