from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self) -> None:
        """Proposals follow the decisions taken on them (``voting.hooks``)."""
        from proposals import services
        from voting import hooks

        hooks.round_opened.connect(services.decision_round_opened)
        hooks.round_closed.connect(services.decision_round_closed)
        hooks.recorded.connect(services.decision_recorded)
