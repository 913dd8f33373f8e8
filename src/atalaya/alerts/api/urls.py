from django.urls import path

from . import views

urlpatterns = [
    path("alerts/", views.AlertList.as_view(), name="alerts"),
    path("alerts/<int:pk>/", views.AlertDetail.as_view(), name="alert"),
    path("alerts/<int:pk>/transition/", views.AlertTransition.as_view(), name="alert_transition"),
    path("alerts/<int:pk>/comments/", views.AlertComment.as_view(), name="alert_comments"),
]
