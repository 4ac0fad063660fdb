"""django-allauth adapters: nobody signs themselves up (staff are invited), and MFA
secrets are encrypted at rest with the field encryption keys."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest

from peersupport.lib import crypto


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Password failures are counted by django-axes, not by allauth's rate limit
        (which stays on for two-step codes)."""
        return None


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_label(self, user: object) -> str:
        return str(getattr(user, "email", ""))

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text, settings.FIELD_ENCRYPTION_KEYS)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text, settings.FIELD_ENCRYPTION_KEYS)
