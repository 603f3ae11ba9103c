from django.apps import AppConfig


class OrtakConfig(AppConfig):
    """Holds the project-wide system checks (production safety)."""

    name = "config"
    label = "ortak"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the checks)
