"""Open311 GeoReport v2 under ``/open311/v2/``; the extension picks XML or JSON."""

from django.urls import re_path

from . import open311 as views

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^services" + FMT, views.ServiceListView.as_view(), name="services"),
    re_path(r"^services/(?P<code>[\w.-]{1,40})" + FMT, views.ServiceDefinitionView.as_view(), name="service"),
    re_path(r"^requests" + FMT, views.RequestListView.as_view(), name="requests"),
    re_path(r"^requests/(?P<reference>[\w-]{1,30})" + FMT, views.RequestDetailView.as_view(), name="request"),
]
