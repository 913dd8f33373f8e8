from __future__ import annotations

from rest_framework import serializers

from atalaya.alerts import services
from atalaya.alerts.models import Alert, AlertEvent, Result, Status


class AlertEventSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", default=None)

    class Meta:
        model = AlertEvent
        fields = ["at", "user", "kind", "from_status", "to_status", "text"]


class AlertSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.code")
    territory = serializers.CharField(source="territory.code", default=None)
    territory_name = serializers.CharField(source="territory.name", default=None)
    family = serializers.CharField(source="family.code")
    assigned_to = serializers.CharField(source="assigned_to.username", default=None)
    explanation = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "url",
            "municipality",
            "territory",
            "territory_name",
            "family",
            "source",
            "freq",
            "method",
            "first_period",
            "last_period",
            "peak_period",
            "count",
            "expected",
            "upperbound",
            "severity",
            "status",
            "result",
            "assigned_to",
            "referred_to",
            "explanation",
            "created_at",
            "closed_at",
        ]

    def get_explanation(self, alert: Alert) -> str:
        return services.explain(alert)

    def get_url(self, alert: Alert) -> str:
        request = self.context.get("request")
        path = f"/alertas/{alert.pk}/"
        return request.build_absolute_uri(path) if request else path


class AlertDetailSerializer(AlertSerializer):
    points = serializers.JSONField()
    events = AlertEventSerializer(many=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "points", "events"]


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    result = serializers.ChoiceField(choices=Result.choices, required=False, allow_blank=True, default="")
    # A username, resolved among the alert's municipality's people in the view: a name that does not exist and
    # one of another municipality must get the same answer, or the API tells who exists elsewhere.
    assigned_to = serializers.CharField(max_length=150, required=False, allow_null=True, allow_blank=True)
    referred_to = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
