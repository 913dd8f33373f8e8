from django.urls import path, re_path

from . import public_views as views

app_name = "problems_public"

urlpatterns = [
    path("<str:code>/problemas/", views.PublicProblemListView.as_view(), name="list"),
    path("<str:code>/problemas/reportar/", views.ReportProblemView.as_view(), name="report"),
    path("<str:code>/problemas/<str:reference>/", views.PublicProblemDetailView.as_view(), name="detail"),
    path("<str:code>/problemas/<str:reference>/foto/", views.PublicPhotoView.as_view(), name="photo"),
    path("<str:code>/compromisos/", views.AccountabilityView.as_view(), name="accountability"),
    path("<str:code>/seguir/", views.FollowView.as_view(), name="follow"),
    path("<str:code>/seguir/<str:token>/", views.FollowConfirmView.as_view(), name="follow_confirm"),
    path("<str:code>/dejar-de-seguir/<str:token>/", views.UnfollowView.as_view(), name="unfollow"),
    path("<str:code>/comentar/", views.CommentView.as_view(), name="comment"),
    re_path(
        r"^(?P<code>[^/]+)/compromisos\.(?P<fmt>csv|json)$",
        views.AccountabilityDataView.as_view(),
        name="accountability_data",
    ),
]
