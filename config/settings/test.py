"""Test settings: base plus pinned secrets and fast hashing. Nothing here changes behaviour."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
# A fixed Fernet key so fixtures can be compared across runs; never used outside tests.
os.environ.setdefault("CASTELLAN_KEY_ENCRYPTION_KEY", "dGVzdC1vbmx5LWtleS1lbmNyeXB0aW9uLWtleS0wMDA=")
os.environ.setdefault("CASTELLAN_BASE_URL", "http://testserver")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
CASTELLAN_SYSTEM_LOG_FLUSH_SECONDS = 0.05
CASTELLAN_SYSTEM_LOG_WRITER = "inline"
