"""The user directory: users with Okta-style ids and free-form profile attributes, and groups."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from config.ids import new_api_token_id, new_group_id, new_user_id


class UserStatus(models.TextChoices):
    STAGED = "STAGED"  # created with `?activate=false`: cannot sign in until activated
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    DEPROVISIONED = "DEPROVISIONED"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, login, email, password, **extra):
        if not login:
            raise ValueError("A user needs a login.")
        user = self.model(login=login, email=self.normalize_email(email or login), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, login, email=None, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(login, email, password, **extra)

    def create_superuser(self, login, email=None, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(login, email, password, **extra)

    def get_by_natural_key(self, login):
        return self.get(login__iexact=login)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.CharField(primary_key=True, max_length=20, default=new_user_id, editable=False)
    login = models.CharField(max_length=100, unique=True, help_text="Usually an email address.")
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=UserStatus.choices, default=UserStatus.ACTIVE)
    profile = models.JSONField(default=dict, blank=True, help_text="Custom profile attributes.")
    is_staff = models.BooleanField(default=False, help_text="May sign in to the admin console.")
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(auto_now=True)
    status_changed = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "login"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["login"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("login"), name="accounts_user_login_ci_unique"),
        ]

    def __str__(self):
        return self.login

    @property
    def is_active(self):
        return self.status == UserStatus.ACTIVE

    @property
    def display_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.login


class GroupType(models.TextChoices):
    OKTA_GROUP = "OKTA_GROUP"
    BUILT_IN = "BUILT_IN"


EVERYONE = "Everyone"


class Group(models.Model):
    id = models.CharField(primary_key=True, max_length=20, default=new_group_id, editable=False)
    name = models.CharField(max_length=255, unique=True)
    description = models.CharField(max_length=1024, blank=True)
    type = models.CharField(max_length=16, choices=GroupType.choices, default=GroupType.OKTA_GROUP)
    users = models.ManyToManyField(User, related_name="directory_groups", blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_built_in(self):
        return self.type == GroupType.BUILT_IN


class ApiTokenStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


class ApiToken(models.Model):
    """An Okta-style API token (`Authorization: SSWS <token>`) acting as its staff user.

    Only the SHA-256 of the token is stored; the token itself is shown once, when it is created.
    `prefix` is its first characters, for telling tokens apart in the console; it is not a secret.
    """

    id = models.CharField(primary_key=True, max_length=20, default=new_api_token_id, editable=False)
    name = models.CharField(max_length=255)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens",
                             help_text="The admin the token acts as.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    status = models.CharField(max_length=16, choices=ApiTokenStatus.choices, default=ApiTokenStatus.ACTIVE)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now) -> bool:
        return self.status == ApiTokenStatus.ACTIVE and (self.expires_at is None or self.expires_at > now)
