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
]
