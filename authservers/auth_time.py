"""When this browser session's user actually signed in: the ID token's `auth_time` and `max_age`'s clock.

`user.last_login` is per user, not per session: a sign-in on another device would make this
session look fresh and let it pass a `max_age` check. So each session remembers its own sign-in.
"""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

AUTH_TIME_KEY = "castellan_auth_time"


@receiver(user_logged_in, dispatch_uid="authservers.remember_auth_time")
def remember_auth_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[AUTH_TIME_KEY] = int(time.time())


def session_auth_time(request) -> int | None:
    """Epoch seconds of this session's sign-in; None for a session started before it was recorded."""
    value = request.session.get(AUTH_TIME_KEY)
    return value if isinstance(value, int) else None
