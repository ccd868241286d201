from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from portal.services import hoster_network_changed
        from scoring.measurement.attribution import reattribute_for_hoster_change

        # A supervisor's change to a hoster's ASNs or prefixes re-attributes the notices at once.
        hoster_network_changed.connect(reattribute_for_hoster_change, dispatch_uid="scoring.reattribute_notices")
