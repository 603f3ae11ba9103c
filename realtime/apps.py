from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class RealtimeConfig(AppConfig):
    name = "realtime"

    def ready(self) -> None:
        # Every app's commands.py registers its WebSocket commands.
        autodiscover_modules("commands")
