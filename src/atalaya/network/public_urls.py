from django.urls import path

from . import public_views as views

app_name = "network_public"

urlpatterns = [
    path("red/practicas/", views.PublicPracticeListView.as_view(), name="list"),
    path("red/practicas/<slug:code>/", views.PublicPracticeView.as_view(), name="detail"),
    path("red/practicas/<slug:code>/documentos/<int:pk>/", views.PublicDocumentView.as_view(), name="document"),
]
