"""Outside services: partner organisations, referrals out, partner accounts,
partner-led training, signposting and research exports."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "peersupport.partners"
    label = "partners"
    verbose_name = "Outside services"
