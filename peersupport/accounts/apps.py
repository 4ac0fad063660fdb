"""Users, memberships and roles, sign-in, MFA, lockout, invitations."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "peersupport.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from peersupport.accounts import receivers  # noqa: F401  (connects auth signal receivers)
