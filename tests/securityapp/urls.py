from django.urls import include, path

from . import views

urlpatterns = [
    path("notas/", views.NoteList.as_view()),
    path("notas/nueva/", views.NoteCreate.as_view()),
    path("notas/<int:pk>/", views.NoteDetail.as_view()),
    path("notas/<int:pk>/editar/", views.NoteEdit.as_view()),
    path("api/notas/", views.NoteListAPI.as_view()),
    path("api/notas/<int:pk>/", views.NoteDetailAPI.as_view()),
    path("", include("atalaya.web.urls")),
]
