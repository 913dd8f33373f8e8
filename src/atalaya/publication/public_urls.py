from django.urls import path

from . import public_views as views

app_name = "publication_public"

urlpatterns = [
    path("datos/catalogo.jsonld", views.NetworkCatalogueJsonLdView.as_view(), name="network_catalogue"),
    path("<str:code>/boletines/", views.BulletinListView.as_view(), name="bulletins"),
    path("<str:code>/boletines/suscribir/", views.SubscribeView.as_view(), name="subscribe"),
    path("<str:code>/boletines/<str:month>/", views.BulletinView.as_view(), name="bulletin"),
    path("<str:code>/boletines/<str:month>.pdf", views.BulletinPdfView.as_view(), name="bulletin_pdf"),
    path("<str:code>/datos/", views.CatalogueView.as_view(), name="catalogue"),
    path("<str:code>/datos/catalogo.jsonld", views.CatalogueJsonLdView.as_view(), name="catalogue_jsonld"),
    path("<str:code>/indicadores.json", views.IndicatorsJsonView.as_view(), name="indicators_json"),
]
