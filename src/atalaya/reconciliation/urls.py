from django.urls import path

from . import views

app_name = "reconciliation"

urlpatterns = [
    path("", views.ReconciliationListView.as_view(), name="list"),
    path("<int:pk>/", views.ReconciliationDetailView.as_view(), name="detail"),
    path("<int:pk>/pares.csv", views.PairsCsvView.as_view(), name="pairs_csv"),
    path("<int:pk>/decidir/", views.DecideView.as_view(), name="decide"),
    path("<int:pk>/decisiones/<int:decision>/revertir/", views.RevertView.as_view(), name="revert"),
    path("<int:pk>/ejecutar/", views.RerunView.as_view(), name="rerun"),
    path("<int:pk>/publicar/", views.PublishView.as_view(), name="publish"),
]
