from rest_framework import serializers

from atalaya.datasets.models import Dataset
from atalaya.geo.models import Municipality


class MunicipalitySerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Municipality
        fields = ["code", "name", "region", "country", "is_synthetic"]


class DatasetSerializer(serializers.ModelSerializer):
    municipalities = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    catalogue = serializers.StringRelatedField()

    class Meta:
        model = Dataset
        fields = [
            "id",
            "format",
            "source",
            "catalogue",
            "municipalities",
            "file_name",
            "file_sha256",
            "file_size",
            "encoding",
            "status",
            "rows_read",
            "rows_accepted",
            "rows_rejected",
            "rows_out_of_scope",
            "warnings",
            "period_start",
            "period_end",
            "cutoff",
            "created_at",
        ]
