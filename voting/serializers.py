from __future__ import annotations

from typing import Any

from rest_framework import serializers

from voting import selectors
from voting.models import Record


class RecordSerializer(serializers.Serializer[Record]):
    """A register entry, as in the CSV and JSON exports."""

    ref = serializers.CharField()
    decision = serializers.IntegerField()
    assembly = serializers.CharField()
    title = serializers.CharField()
    statement = serializers.CharField()
    text = serializers.CharField()
    method = serializers.CharField()
    policy = serializers.DictField()
    outcome = serializers.CharField()
    decided_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    tally = serializers.DictField()
    result = serializers.DictField()
    dissent = serializers.ListField(child=serializers.DictField())
    rounds = serializers.IntegerField()
    review_at = serializers.DateField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    supersedes = serializers.CharField(allow_null=True)
    superseded_by = serializers.CharField(allow_null=True)
    url = serializers.CharField()

    def to_representation(self, instance: Record) -> dict[str, Any]:
        request = self.context.get("request")
        url = selectors.record_url(instance)
        return selectors.record_json(instance, request.build_absolute_uri(url) if request else url)
