"""Every text a person can send has an explicit size limit: socket commands, API bodies, forms."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
from django import forms
from drf_spectacular.generators import SchemaGenerator

from proposals import domain as proposal_domain
from realtime import protocol

FORM_MODULES = ["assembly.forms", "proposals.forms", "voting.forms"]

#: Form fields whose limit lives in the service they feed (one rule, one place); the
#: service refuses a longer text with a field message (tests/proposals cover each one).
LIMITED_BY_SERVICE = {
    "AmendmentForm.text": proposal_domain.MAX_TEXT,
    "AmendmentForm.rationale": proposal_domain.MAX_RATIONALE,
    "CommentEditForm.body": proposal_domain.MAX_COMMENT,
    "CommentForm.body": proposal_domain.MAX_COMMENT,
    "DeclineForm.reason": proposal_domain.MAX_REASON,
    "NoteForm.note": proposal_domain.MAX_REASON,
    "ProposalForm.title": proposal_domain.MAX_TITLE,
    "ProposalForm.text": proposal_domain.MAX_TEXT,
    "ReasonForm.reason": proposal_domain.MAX_REASON,
    "RebaseForm.text": proposal_domain.MAX_TEXT,
    "RebaseForm.rationale": proposal_domain.MAX_RATIONALE,
    "VersionForm.text": proposal_domain.MAX_TEXT,
    "VersionForm.note": proposal_domain.MAX_NOTE,
    # A password is hashed, never stored or shown; the request size bounds it.
    "SignupForm.password": 0,
}


def _unwrap(field: protocol.Field) -> protocol.Field:
    return field.inner if isinstance(field, protocol.Optional) else field


@pytest.mark.parametrize("command", sorted(protocol.REGISTRY))
def test_socket_command_texts_are_bounded(command: str) -> None:
    for name, spec in protocol.REGISTRY[command].fields.items():
        field = _unwrap(spec)
        if isinstance(field, protocol.Text):
            assert 0 < field.max_length <= 100_000, (command, name)
        if isinstance(field, protocol.StringList):
            assert 0 < field.max_items <= 1000, (command, name)
            assert 0 < field.max_length <= 1000, (command, name)
        if isinstance(field, protocol.Integer):
            assert field.minimum is not None, (command, name)


def test_socket_frames_and_ids_are_bounded(settings: Any) -> None:
    assert settings.ORTAK_WS_MAX_FRAME == 64 * 1024
    assert protocol.MAX_ID_LENGTH <= 100


def _request_schemas() -> dict[str, dict[str, Any]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found: dict[str, dict[str, Any]] = {}

    def add(ref: str) -> None:
        name = ref.rsplit("/", 1)[-1]
        if name in found:
            return
        found[name] = components[name]
        for prop in components[name].get("properties", {}).values():
            for inner in (prop, prop.get("items", {})):
                if "$ref" in inner:
                    add(inner["$ref"])
            for option in prop.get("allOf", []) + prop.get("oneOf", []):
                if "$ref" in option:
                    add(option["$ref"])

    for operations in schema["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody") or {}
            for content in body.get("content", {}).values():
                if "$ref" in content["schema"]:
                    add(content["schema"]["$ref"])
    return found


def test_every_string_in_an_api_request_body_has_a_max_length() -> None:
    schemas = _request_schemas()
    assert len(schemas) >= 10
    unbounded = []
    for name, component in schemas.items():
        for prop, spec in component.get("properties", {}).items():
            if spec.get("readOnly"):
                continue
            free_text = spec.get("type") == "string" and not {"enum", "format"} & set(spec)
            if free_text and "maxLength" not in spec:
                unbounded.append(f"{name}.{prop}")
            if spec.get("type") == "array" and "maxItems" not in spec:
                unbounded.append(f"{name}.{prop} (items)")
    assert not unbounded, unbounded


def test_every_text_field_of_every_form_has_a_limit() -> None:
    unbounded = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module_name or not issubclass(cls, forms.Form):
                continue
            for field_name, field in cls.base_fields.items():
                key = f"{name}.{field_name}"
                if not isinstance(field, forms.CharField) or field.max_length is not None:
                    continue
                if key not in LIMITED_BY_SERVICE:
                    unbounded.append(key)
    assert not unbounded, f"text fields with no limit, in the form or its service: {unbounded}"


@pytest.mark.django_db
def test_a_nul_character_in_the_query_is_a_clear_400(client: Any) -> None:
    response = client.get("/api/v1/decisions/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert "not allowed" in response.json()["detail"] or "izin" in response.json()["detail"]
    page = client.get("/decisions/", {"q": "\x00"})
    assert page.status_code == 400
