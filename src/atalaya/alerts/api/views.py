"""Alerts API: list and detail scoped to the user's municipalities (404 outside them), state changes, comments.

State changes go through the same service as the web pages, so the rules (result to close, recipient to refer,
who may act) are the same and every change is in the alert's history.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from atalaya.alerts import services
from atalaya.alerts.models import Status
from atalaya.web.api import CheckedQueryParams

from .serializers import AlertDetailSerializer, AlertSerializer, CommentSerializer, TransitionSerializer

FILTERS = [
    OpenApiParameter("municipality", OpenApiTypes.STR, description="código oficial"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=[*Status.values, "abiertas"]),
    OpenApiParameter("family", OpenApiTypes.STR, description="código de familia"),
    OpenApiParameter("freq", OpenApiTypes.STR, enum=["week", "month"]),
    OpenApiParameter("min_severity", OpenApiTypes.INT, enum=[1, 2, 3]),
]


class AlertList(CheckedQueryParams, generics.ListAPIView):
    serializer_class = AlertSerializer
    query_params = frozenset({"municipality", "status", "family", "freq", "min_severity"})

    def get_queryset(self):
        alerts = services.visible_alerts(self.request.user)
        q = self.request.query_params
        if q.get("municipality"):
            alerts = alerts.filter(municipality__code=q["municipality"])
        if q.get("status") == "abiertas":
            alerts = alerts.exclude(status=Status.CLOSED)
        elif q.get("status"):
            if q["status"] not in Status.values:
                raise ValidationError({"status": "abiertas, " + ", ".join(Status.values)})
            alerts = alerts.filter(status=q["status"])
        if q.get("family"):
            alerts = alerts.filter(family__code=q["family"])
        if q.get("freq"):
            if q["freq"] not in ("week", "month"):
                raise ValidationError({"freq": "week o month"})
            alerts = alerts.filter(freq=q["freq"])
        if q.get("min_severity"):
            if q["min_severity"] not in ("1", "2", "3"):
                raise ValidationError({"min_severity": "1, 2 o 3"})
            alerts = alerts.filter(severity__gte=int(q["min_severity"]))
        return alerts.order_by("-severity", "-last_period", "pk")

    @extend_schema(parameters=FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AlertDetail(generics.RetrieveAPIView):
    serializer_class = AlertDetailSerializer

    def get_queryset(self):
        return services.visible_alerts(self.request.user).prefetch_related("events__user")


def _acting_on(request, pk: int, serializer_class):
    """The alert (404 outside the user's municipalities), the validated body, and 403 for who may not act."""
    alert = generics.get_object_or_404(services.visible_alerts(request.user), pk=pk)
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    if not services.can_act(request.user, alert):
        raise PermissionDenied()
    return alert, data


class AlertTransition(APIView):
    @extend_schema(request=TransitionSerializer, responses=AlertDetailSerializer)
    def post(self, request, pk: int):
        alert, data = _acting_on(request, pk, TransitionSerializer)
        try:
            services.change_status(
                alert,
                request.user,
                data.validated_data["status"],
                result=data.validated_data["result"],
                assigned_to=services.colleague(alert, data.validated_data.get("assigned_to")),
                referred_to=data.validated_data["referred_to"],
                comment=data.validated_data["comment"],
            )
        except services.TransitionError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(AlertDetailSerializer(alert, context={"request": request}).data)


class AlertComment(APIView):
    @extend_schema(request=CommentSerializer, responses=AlertDetailSerializer)
    def post(self, request, pk: int):
        alert, data = _acting_on(request, pk, CommentSerializer)
        try:
            services.add_comment(alert, request.user, data.validated_data["text"])
        except services.TransitionError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(AlertDetailSerializer(alert, context={"request": request}).data, status=status.HTTP_201_CREATED)
