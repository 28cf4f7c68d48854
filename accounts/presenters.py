"""Users and groups as Okta's management API shapes them (schemas `User` and `Group`).

Pure functions from model objects to dicts: `createuser --json` prints them and the management
REST API will return them.
"""


from authservers.presenters import api_base, link, okta_timestamp

from .models import Group, User, UserStatus

# Okta: every org has one default user type; ours has a fixed id since there is only one.
DEFAULT_USER_TYPE_ID = "oty00000000000000000"

# Okta's base profile properties and the model fields that hold them.
BASE_PROFILE_FIELDS = {"login": "login", "email": "email", "firstName": "first_name", "lastName": "last_name"}


def _href(href: str, method: str = "GET") -> dict:
    return link(href, method)


def user_to_okta(user: User, base_url: str | None = None) -> dict:
    """The `User` object: status, dates, type, profile (base and custom attributes), credentials, links."""
    url = f"{api_base(base_url)}/api/v1/users/{user.pk}"
    profile = {name: getattr(user, field) or None for name, field in BASE_PROFILE_FIELDS.items()}
    profile.update({key: value for key, value in (user.profile or {}).items() if key not in profile})
    active = user.status == UserStatus.ACTIVE
    links = {"self": _href(url)}
    if active:
        links.update({
            "suspend": _href(f"{url}/lifecycle/suspend", "POST"),
            "resetPassword": _href(f"{url}/lifecycle/reset_password", "POST"),
            "deactivate": _href(f"{url}/lifecycle/deactivate", "POST"),
        })
    elif user.status == UserStatus.SUSPENDED:
        links["unsuspend"] = _href(f"{url}/lifecycle/unsuspend", "POST")
    else:  # STAGED or DEPROVISIONED
        links["activate"] = _href(f"{url}/lifecycle/activate", "POST")
    links["type"] = _href(f"{api_base(base_url)}/api/v1/meta/types/user/{DEFAULT_USER_TYPE_ID}")
    return {
        "id": user.pk,
        "status": user.status,
        "created": okta_timestamp(user.created),
        # No separate activation or password-change dates are stored: users start ACTIVE with the
        # password they were created with.
        "activated": okta_timestamp(user.created) if active else None,
        "statusChanged": okta_timestamp(user.status_changed),
        "lastLogin": okta_timestamp(user.last_login),
        "lastUpdated": okta_timestamp(user.last_updated),
        "passwordChanged": okta_timestamp(user.created) if user.has_usable_password() else None,
        "type": {"id": DEFAULT_USER_TYPE_ID},
        "profile": profile,
        "credentials": {
            **({"password": {}} if user.has_usable_password() else {}),
            "provider": {"type": "OKTA", "name": "OKTA"},
        },
        "_links": links,
    }


def group_to_okta(group: Group, base_url: str | None = None) -> dict:
    """The `Group` object: type, dates, profile {name, description}, links."""
    url = f"{api_base(base_url)}/api/v1/groups/{group.pk}"
    return {
        "id": group.pk,
        "created": okta_timestamp(group.created),
        "lastUpdated": okta_timestamp(group.last_updated),
        "lastMembershipUpdated": okta_timestamp(group.last_updated),
        "objectClass": ["okta:user_group"],
        "type": group.type,
        "profile": {"name": group.name, "description": group.description or None},
        "_links": {
            "logo": [
                {"name": "medium", "href": f"{api_base(base_url)}/img/logos/groups/okta-medium.png", "type": "image/png"},
                {"name": "large", "href": f"{api_base(base_url)}/img/logos/groups/okta-large.png", "type": "image/png"},
            ],
            "users": {"href": f"{url}/users"},
            "apps": {"href": f"{url}/apps"},
        },
    }
