"""Alerts API: list and detail scoped to the user's municipalities (404 outside them), state changes, comments.

State changes go through the same service as the web pages, so the rules (result to close, recipient to refer,
who may act) are the same and every change is in the alert's history.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from atalaya.alerts import services
from atalaya.alerts.filters import AlertFilter
from atalaya.alerts.models import Alert
from atalaya.core.api import ObjectDetailAPIView, ObjectListAPIView

from .serializers import AlertDetailSerializer, AlertSerializer, CommentSerializer, TransitionSerializer


class AlertList(ObjectListAPIView):
    """Alerts the user may see, filtered by :class:`~atalaya.alerts.filters.AlertFilter` (as the inbox page)."""

    model = Alert
    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def scope_queryset(self, queryset):
        return services.with_related(queryset).order_by("-severity", "-last_period", "pk")


class AlertDetail(ObjectDetailAPIView):
    model = Alert
    serializer_class = AlertDetailSerializer

    def scope_queryset(self, queryset):
        return services.with_related(queryset).prefetch_related("events__user")


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
