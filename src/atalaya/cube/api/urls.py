from django.urls import path

from . import views

urlpatterns = [
    path("counts/", views.CountList.as_view(), name="counts"),
]
