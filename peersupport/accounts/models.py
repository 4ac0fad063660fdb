"""Users sign in by e-mail; a membership gives a user one role in one school."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from peersupport.schools.models import School, SchoolOwned


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    DSL = "dsl", "Designated Safeguarding Lead"
    FACILITATOR = "facilitator", "Facilitator"
    VIEWER = "viewer", "Viewer"
    PARTNER = "partner", "Partner"
    MENTOR = "mentor", "Peer mentor"
    STUDENT = "student", "Student"


STAFF_ROLES = frozenset({Role.COORDINATOR, Role.DSL, Role.FACILITATOR, Role.VIEWER})
# Roles that must enrol in MFA (when REQUIRE_MFA is on) before reaching student data.
MFA_ROLES = frozenset({Role.COORDINATOR, Role.DSL, Role.PARTNER})
# Roles a coordinator or DSL may invite; the DSL role only a DSL may grant.
INVITABLE_ROLES = frozenset(
    {Role.COORDINATOR, Role.DSL, Role.FACILITATOR, Role.VIEWER, Role.PARTNER}
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: staff, partner professionals, and students and mentors
    once later issues give them accounts."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Sessions that began before this moment are ended on their next request: signing
    # out, or being disabled, ends every session of the user at once.
    sessions_revoked_at = models.DateTimeField(null=True, blank=True)

    # Not stored: the user's role in each school, as CurrentSchoolMiddleware read it
    # for the request this object was built for (see selectors.role_in).
    roles_this_request: dict[int, str] | None = None

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_staff(self) -> bool:
        # There is no Django admin site; nobody is "staff" in Django's sense.
        return False


class Membership(SchoolOwned):
    """A user's role in one school. Role checks are always per school."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="one_membership_per_school")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.school.name}"


class Invitation(SchoolOwned):
    """An invitation for a member of staff to join a school with a role. The link
    carries a random token; only its SHA-256 is stored."""

    email = models.EmailField("e-mail address")
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} as {self.get_role_display()}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


__all__ = ["Invitation", "Membership", "Role", "School", "User"]
