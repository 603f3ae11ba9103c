"""A snapshot of everything the platform stores, to prove that something changed nothing."""

from __future__ import annotations

from typing import Any

from django.apps import apps

APPS = ("assembly", "proposals", "voting")


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model of the domain apps, in primary-key order."""
    state: dict[str, list[dict[str, Any]]] = {}
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.model_name == "user":
                rows = model._default_manager.order_by("pk").values(
                    "pk", "username", "display_name", "language", "is_staff", "is_active"
                )
            else:
                rows = model._default_manager.order_by("pk").values()
            state[model._meta.label] = list(rows)
    return state
