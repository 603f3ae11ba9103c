"""Request bodies (validated here: types and the limits of CONTRACT §5b) and the shapes of
responses (for the OpenAPI schema; the bodies are built by :mod:`proposals.selectors`)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from proposals import domain

# --- Requests -------------------------------------------------------------------------------


class ProposalCreateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=domain.MAX_TITLE)
    text = serializers.CharField(max_length=domain.MAX_TEXT)
    working_group = serializers.IntegerField(
        required=False, allow_null=True, help_text="Owning working group (its members co-author)."
    )
    assembly = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Assembly slug; may be left out when a working group is given or the "
        "author belongs to one assembly only.",
    )


class VersionCreateSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=domain.MAX_TEXT, trim_whitespace=False)
    note = serializers.CharField(max_length=domain.MAX_NOTE)


class AmendmentCreateSerializer(serializers.Serializer[Any]):
    base_version = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=domain.MAX_TEXT, trim_whitespace=False)
    rationale = serializers.CharField(max_length=domain.MAX_RATIONALE)
    paragraph = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text="Paragraph of the base, from 0."
    )


class AmendmentRebaseSerializer(serializers.Serializer[Any]):
    base_version = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=domain.MAX_TEXT, trim_whitespace=False)
    rationale = serializers.CharField(max_length=domain.MAX_RATIONALE, required=False)


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=domain.MAX_REASON)


class NoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=domain.MAX_REASON, required=False, allow_blank=True)


class RequiredNoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=domain.MAX_REASON)


class AnchorSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(min_value=1)
    paragraph = serializers.IntegerField(min_value=0)


class CommentCreateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=[k.value for k in domain.CommentKind])
    body = serializers.CharField(max_length=domain.MAX_COMMENT)
    parent = serializers.IntegerField(required=False, allow_null=True)  # type: ignore[assignment]
    anchor = AnchorSerializer(required=False, allow_null=True)


class CommentEditSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=domain.MAX_COMMENT)
    kind = serializers.ChoiceField(choices=[k.value for k in domain.CommentKind], required=False)


class ReactionSerializer(serializers.Serializer[Any]):
    reaction = serializers.ChoiceField(choices=list(domain.REACTIONS))


class InviteSerializer(serializers.Serializer[Any]):
    member = serializers.IntegerField(help_text="User id of a member of the assembly.")


# --- Responses ------------------------------------------------------------------------------


class VersionSummarySerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    note = serializers.CharField()
    author = serializers.IntegerField(allow_null=True)


class RecordLinkSerializer(serializers.Serializer[Any]):
    ref = serializers.CharField()
    url = serializers.CharField()


class ProposalSummarySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=[s.value for s in domain.State])
    url = serializers.CharField(help_text="The proposal's page.")
    assembly = serializers.CharField(help_text="Assembly slug.")
    working_group = serializers.IntegerField(allow_null=True)
    ready = serializers.BooleanField(help_text="Enough members co-signed it for the agenda.")


class ProposalSerializer(ProposalSummarySerializer):
    authors = serializers.ListField(child=serializers.IntegerField())
    invited = serializers.ListField(child=serializers.IntegerField())
    current_version = serializers.IntegerField()
    versions = VersionSummarySerializer(many=True)
    cosigns = serializers.IntegerField()
    record = RecordLinkSerializer(allow_null=True, help_text="The adopting register entry.")


class VersionSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    text = serializers.CharField(help_text="Markdown source.")
    html = serializers.CharField(help_text="Sanitised rendering.")
    note = serializers.CharField()
    author = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class NumberSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()


class StateSerializer(serializers.Serializer[Any]):
    state = serializers.ChoiceField(choices=[s.value for s in domain.State])


class AmendmentStatusSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.CharField()


class AcceptedSerializer(serializers.Serializer[Any]):
    status = serializers.CharField()
    version = serializers.IntegerField()


class AmendmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    proposal = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["open", "accepted", "declined", "promoted"])
    base_version = serializers.IntegerField()
    text = serializers.CharField(help_text="The whole new text.")
    rationale = serializers.CharField()
    author = serializers.IntegerField(allow_null=True)
    paragraph = serializers.IntegerField(allow_null=True)
    needs_rebase = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why it was declined.")
    version = serializers.IntegerField(allow_null=True, help_text="The version it became.")
    created_at = serializers.DateTimeField()
    diff = serializers.CharField(help_text="Word diff from its base, <ins>/<del> only.")


class ModerationSerializer(serializers.Serializer[Any]):
    state = serializers.CharField()
    reason = serializers.CharField()


class CommentReplySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    proposal = serializers.IntegerField()
    amendment = serializers.IntegerField(allow_null=True)
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]
    author = serializers.IntegerField(allow_null=True)
    author_name = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    body = serializers.CharField(allow_null=True, help_text="Null when hidden from you.")
    html = serializers.CharField(allow_null=True)
    anchor = AnchorSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    hidden = serializers.BooleanField()
    moderation = ModerationSerializer(
        allow_null=True, help_text="Why it is hidden (for its author and facilitators)."
    )
    reactions = serializers.DictField(child=serializers.IntegerField())
    my_reaction = serializers.CharField(allow_null=True)


class CommentSerializer(CommentReplySerializer):
    replies = CommentReplySerializer(many=True)


class CommentListSerializer(serializers.Serializer[Any]):
    results = CommentSerializer(many=True)


class IdSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()


class ModerationEventSerializer(serializers.Serializer[Any]):
    action = serializers.CharField()
    actor = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class ModerationLogSerializer(serializers.Serializer[Any]):
    comment = serializers.IntegerField()
    state = serializers.CharField()
    reason = serializers.CharField()
    events = ModerationEventSerializer(many=True)


class ReactionsSerializer(serializers.Serializer[Any]):
    reactions = serializers.DictField(child=serializers.IntegerField())
    my_reaction = serializers.CharField(allow_null=True)


class CoAuthorSerializer(serializers.Serializer[Any]):
    member = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["invited", "accepted", "declined"])


class CosignSerializer(serializers.Serializer[Any]):
    cosigns = serializers.IntegerField()
    threshold = serializers.IntegerField()
    ready = serializers.BooleanField()
    cosigned = serializers.BooleanField()


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
