"""Okta's bounds for policies and rules, as pure checks returning plain-words problems."""

ACCESS_MINUTES = (5, 1440)
WINDOW_MINUTES = (10, 2_628_000)  # 10 minutes to 5 years


def policy_problems(*, name: str, description: str, priority: int | None, clients: list[str]) -> dict[str, str]:
    problems = {}
    if not name or not name.strip():
        problems["name"] = "The name cannot be left blank."
    elif len(name) > 100:
        problems["name"] = "The name must be at most 100 characters."
    if description and len(description) > 255:
        problems["description"] = "The description must be at most 255 characters."
    if priority is not None and priority < 1:
        problems["priority"] = "The priority must be 1 or more (1 is evaluated first)."
    if not clients:
        problems["clients"] = 'Name at least one client, or "ALL_CLIENTS".'
    elif "ALL_CLIENTS" in clients and len(clients) > 1:
        problems["clients"] = '"ALL_CLIENTS" cannot be combined with a list of clients.'
    return problems


def rule_problems(*, name: str, priority: int | None, grant_types: list[str], scopes: list[str],
                  groups_include: list[str], users_include: list[str], access_minutes: int,
                  refresh_minutes: int, window_minutes: int, known_grant_types: list[str]) -> dict[str, str]:
    problems = {}
    if not name or not name.strip():
        problems["name"] = "The name cannot be left blank."
    elif len(name) > 100:
        problems["name"] = "The name must be at most 100 characters."
    if priority is not None and priority < 1:
        problems["priority"] = "The priority must be 1 or more (1 is evaluated first)."
    if not grant_types:
        problems["grant_types"] = "Choose at least one grant type."
    else:
        unknown = [grant for grant in grant_types if grant not in known_grant_types]
        if unknown:
            problems["grant_types"] = f"Unknown grant type: {', '.join(unknown)}."
    if not scopes:
        problems["scopes"] = 'Name at least one scope, or "*" for any scope.'
    if not groups_include and not users_include:
        problems["people"] = 'Include at least one user or group, or "EVERYONE".'
    low, high = ACCESS_MINUTES
    if not low <= access_minutes <= high:
        problems["access_token_lifetime_minutes"] = (
            f"The access token lifetime must be between {low} and {high} minutes.")
    if refresh_minutes and refresh_minutes < access_minutes:
        problems["refresh_token_lifetime_minutes"] = (
            "The refresh token lifetime must be 0 (unlimited) or at least the access token lifetime.")
    low, high = WINDOW_MINUTES
    if not low <= window_minutes <= high:
        problems["refresh_token_window_minutes"] = (
            f"The refresh token idle window must be between {low} minutes and {high} minutes (5 years).")
    elif window_minutes < access_minutes or (refresh_minutes and window_minutes > refresh_minutes):
        problems["refresh_token_window_minutes"] = (
            "The refresh token idle window must lie between the access token and refresh token lifetimes.")
    return problems
