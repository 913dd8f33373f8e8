from rest_framework import serializers


class CountRowSerializer(serializers.Serializer):
    municipality_code = serializers.CharField()
    territory_code = serializers.CharField(allow_blank=True, allow_null=True)
    period_start = serializers.DateField()
    category_code = serializers.CharField()
    category_label = serializers.CharField()
    count = serializers.IntegerField()
