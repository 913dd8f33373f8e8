from django.urls import path

from . import views

urlpatterns = [
    path("municipalities/", views.MunicipalityList.as_view(), name="municipalities"),
    path("datasets/", views.DatasetList.as_view(), name="datasets"),
]
