from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from atalaya.accounts import views as account_views
from atalaya.core.views import CodeOfConductView, JobDetailView
from atalaya.datasets import views as dataset_views


def favicon(request):
    # Resolved per request: with the production manifest storage the hashed name exists only after collectstatic.
    return RedirectView.as_view(url=static("atalaya/favicon.svg"), permanent=True)(request)


admin.site.site_header = _("Atalaya — administración")
admin.site.site_title = _("Atalaya")
admin.site.index_title = _("Datos, taxonomía y cuentas")

urlpatterns = [
    path("favicon.ico", favicon),
    path("", dataset_views.HomeView.as_view(), name="home"),
    path("entrar/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("salir/", auth_views.LogoutView.as_view(), name="logout"),
    path("doble-factor/configurar/", account_views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("doble-factor/verificar/", account_views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("doble-factor/codigos/", account_views.BackupCodesView.as_view(), name="two_factor_backup_codes"),
    path("registro/accesos/", account_views.AccessLogView.as_view(), name="access_log"),
    path("registro/cambios/", account_views.ChangeLogView.as_view(), name="change_log"),
    path("codigo-de-conducta/", CodeOfConductView.as_view(), name="code_of_conduct"),
    path("trabajos/<int:pk>/", JobDetailView.as_view(), name="job"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("datos/", include("atalaya.datasets.urls")),
    path("indicadores/", include("atalaya.indicators.urls")),
    path("alertas/", include("atalaya.alerts.urls")),
    path("casos/", include("atalaya.cases.urls")),
    path("mapa/", include("atalaya.spatial.urls")),
    path("conciliacion/", include("atalaya.reconciliation.urls")),
    path("proximidad/", include("atalaya.proximity.urls")),
    path("publico/", include("atalaya.network.public_urls")),
    path("publico/", include("atalaya.proximity.public_urls")),
    path("publico/", include("atalaya.indicators.public_urls")),
    path("publico/", include("atalaya.surveys.public_urls")),
    path("publico/", include("atalaya.publication.public_urls")),
    path("encuestas/", include("atalaya.surveys.urls")),
    path("programas/", include("atalaya.programmes.urls")),
    path("red/", include("atalaya.network.urls")),
    path("publicaciones/", include("atalaya.publication.urls")),
    path("open311/v2/", include("atalaya.proximity.open311_urls")),
    path("admin/", admin.site.urls),
    path("api/", include("atalaya.web.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="web/api_docs.html"),
        name="api-docs",
    ),
]
