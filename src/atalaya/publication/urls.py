from django.urls import path

from . import views

app_name = "publication"

urlpatterns = [
    path("<str:code>/", views.PublicationListView.as_view(), name="list"),
    path("<str:code>/boletin/", views.BulletinCreateView.as_view(), name="bulletin_create"),
    path("d/<int:pk>/", views.ReportDetailView.as_view(), name="report"),
    path("d/<int:pk>.<str:fmt>", views.ReportFileView.as_view(), name="report_file"),
]
