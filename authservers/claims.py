"""Okta custom claims: naming rules, value checks, and evaluation of compiled claims (REFERENCE §4).

Pure: nothing here touches the database or the System Log. Claims are compiled once, when a
server snapshot is built (`compile_claim`), and evaluated per token (`evaluate_claims`). A failure
raises `ClaimEvaluationFailed`, a `server_error` carrying Okta's text; the caller (issuance) writes
the `app.oauth2.as.evaluate.claim` event.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from .expressions import EvaluationContext, ExpressionError, ExpressionSyntaxError, compile_expression
from .expressions.safe_regex import pattern_problem
from .oauth import errors

MAX_CLAIM_NAME_LENGTH = 100
MAX_GROUPS = 100  # Okta: a groups claim carries at most 100 groups

# The system `sub` claim seeded on every server (Okta's default, editable).
SUB_CLAIM = "sub"
DEFAULT_SUB_EXPRESSION = "(appuser != null) ? appuser.userName : app.clientId"

# The immutable IDENTITY system claims and the OIDC scope each belongs to (REFERENCE §4, §6.2).
OIDC_IDENTITY_CLAIMS = {
    **{name: "profile" for name in (
        "birthdate", "family_name", "gender", "given_name", "locale", "middle_name", "name", "nickname",
        "picture", "preferred_username", "profile", "updated_at", "website", "zoneinfo")},
    "email": "email", "email_verified": "email",
    "address": "address",
    "phone_number": "phone",
}

# Names of the tokens' own claims: no custom claim may take them (issue 6; REFERENCE §4 reserved lists).
# `groups` is reserved for hooks but allowed here, as Okta's own guides create a `groups` claim.
RESERVED_NAMES = frozenset({
    # the list
    "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "ver", "cid", "client_id", "uid", "scp", "auth_time",
    "nonce", "at_hash", "c_hash", "amr", "idp", "cnf", "typ",
    # access token (REFERENCE §4)
    "acr", "sid", "token_type", "username", "rpt", "rsi", "as_uri", "authorization_details",
    # ID token (REFERENCE §4)
    "idp_iss", "did", "device_id", "scope", "scopes", "role", "permissions", "group", "pwd_exp_days",
    "pwd_exp_time",
})
_NAME_CHARACTERS = re.compile(r"^[\x21-\x7e]+$")


class ClaimEvaluationFailed(errors.ServerError):
    """A claim could not be evaluated: `server_error` with Okta's text; `claim` and `reason` for the log."""

    def __init__(self, description: str, *, claim: str, reason: str):
        super().__init__(description)
        self.claim = claim
        self.reason = reason


def claim_failed_description(name: str, system: bool) -> str:
    # Okta: "The '{claim}' user claim could not be evaluated." ("system claim" for system claims).
    kind = "system claim" if system else "user claim"
    return f"The '{name}' {kind} could not be evaluated."


TOO_MANY_GROUPS = "The groups claim matched too many groups and must be configured to match fewer groups."


def claim_name_problem(name: str) -> str | None:
    """Why `name` cannot be the name of a custom claim, or None when it can."""
    if not name or not name.strip():
        return "The claim name cannot be left blank."
    if len(name) > MAX_CLAIM_NAME_LENGTH:
        return f"The claim name must be at most {MAX_CLAIM_NAME_LENGTH} characters."
    if not _NAME_CHARACTERS.match(name):
        return "The claim name must be printable ASCII without spaces."
    if name in RESERVED_NAMES:
        return f"'{name}' is a reserved claim name: the token sets it itself."
    return None


def expression_problem(source: str) -> tuple[str, int] | None:
    """(plain-words problem, 0-based position) when `source` does not compile, else None."""
    if not source or not source.strip():
        return ("The expression cannot be left blank", 0)
    try:
        compile_expression(source)
    except ExpressionSyntaxError as exc:
        return (exc.description, exc.position)
    return None


def value_problem(value_type: str, value: str, group_filter_type: str | None) -> str | None:
    """Why `value` cannot be the value of a claim of `value_type`, in plain words, or None."""
    if value_type == "EXPRESSION":
        problem = expression_problem(value)
        if problem:
            description, position = problem
            return f"{description} at position {position}."
        return None
    if value_type == "GROUPS":
        if group_filter_type not in GROUP_FILTERS:
            return "A groups claim needs a group filter: Starts with, Equals, Contains or Matches regex."
        if not value or not value.strip():
            return "The group filter cannot be left blank."
        if group_filter_type == "REGEX":
            problem = pattern_problem(value)
            if problem:
                return f"{problem}."
        return None
    return "Only EXPRESSION and GROUPS claims can be created; SYSTEM claims come with the server."


# -- compiled claims ----------------------------------------------------------------------------


def _starts_with(value: str):
    folded = value.casefold()
    return lambda name: name.casefold().startswith(folded)


def _equals(value: str):
    folded = value.casefold()
    return lambda name: name.casefold() == folded


def _contains(value: str):
    folded = value.casefold()
    return lambda name: folded in name.casefold()


def _regex(value: str):
    # Okta: REGEX is case-sensitive and matches the whole name. The pattern passed pattern_problem
    # when saved (no backreferences, bounded backtracking), and names are short.
    compiled = re.compile(value)
    return lambda name: len(name) <= 1000 and compiled.fullmatch(name) is not None


GROUP_FILTERS = {"STARTS_WITH": _starts_with, "EQUALS": _equals, "CONTAINS": _contains, "REGEX": _regex}


@dataclass(frozen=True)
class CompiledClaim:
    name: str
    claim_type: str  # RESOURCE or IDENTITY
    conditions: frozenset[str]  # scope names; empty = any scope
    evaluator: Callable[[EvaluationContext], object]
    system: bool = False
    value_type: str = "EXPRESSION"
    always_include_in_token: bool = True

    def applies(self, granted_scopes) -> bool:
        """Okta: emitted only when one of `conditions.scopes` is granted, always when there are none."""
        return not self.conditions or not self.conditions.isdisjoint(granted_scopes)


def _groups_evaluator(filter_type: str, value: str):
    matches = GROUP_FILTERS[filter_type](value)

    def evaluate(context: EvaluationContext):
        names = [group.get("name") for group in (context.groups or ()) if isinstance(group, dict)]
        matched = [name for name in names if isinstance(name, str) and matches(name)]
        if len(matched) > MAX_GROUPS:
            raise _TooManyGroups
        return matched or None  # no matching group: the claim is left out
    return evaluate


class _TooManyGroups(Exception):
    pass


def compile_claim(*, name: str, claim_type: str, value_type: str, value: str, group_filter_type: str | None,
                  conditions_scopes=(), system: bool = False, always_include_in_token: bool = True
                  ) -> CompiledClaim | None:
    """The compiled form of one claim; None for SYSTEM-valued claims (the sign-in issue evaluates them)
    and for a stored value that no longer compiles (it cannot be saved so; evaluation then fails)."""
    if value_type == "EXPRESSION":
        try:
            evaluator = compile_expression(value).evaluate
        except ExpressionError as exc:
            message = exc.message

            def evaluator(context, message=message):
                raise _Broken(message)
    elif value_type == "GROUPS" and group_filter_type in GROUP_FILTERS and value:
        problem = pattern_problem(value) if group_filter_type == "REGEX" else None
        if problem:  # refused when saved; a row written around the services fails at evaluation instead

            def evaluator(context, message=problem):
                raise _Broken(message)
        else:
            evaluator = _groups_evaluator(group_filter_type, value)
    else:
        return None
    return CompiledClaim(name=name, claim_type=claim_type, conditions=frozenset(conditions_scopes or ()),
                         evaluator=evaluator, system=system, value_type=value_type,
                         always_include_in_token=always_include_in_token or claim_type == "RESOURCE")


class _Broken(Exception):
    pass


def evaluate_claim(claim: CompiledClaim, context: EvaluationContext):
    """The value of one claim (None = leave it out); raises `ClaimEvaluationFailed`."""
    try:
        return claim.evaluator(context)
    except _TooManyGroups:
        raise ClaimEvaluationFailed(TOO_MANY_GROUPS, claim=claim.name,
                                    reason=f"more than {MAX_GROUPS} groups matched") from None
    except (ExpressionError, _Broken) as exc:
        raise ClaimEvaluationFailed(claim_failed_description(claim.name, claim.system), claim=claim.name,
                                    reason=str(exc)) from None


def evaluate_claims(compiled_claims, context: EvaluationContext, granted_scopes, token_type: str) -> dict:
    """{name: value} of the claims of `token_type` whose conditions the granted scopes meet.

    Null values are left out. Raises `ClaimEvaluationFailed` at the first claim that fails.
    """
    result = {}
    for claim in compiled_claims:
        if claim.claim_type != token_type or not claim.applies(granted_scopes):
            continue
        value = evaluate_claim(claim, context)
        if value is not None:
            result[claim.name] = value
    return result


def preview_claims(compiled_claims, context: EvaluationContext, granted_scopes, token_type: str
                   ) -> tuple[dict, list[dict]]:
    """Like `evaluate_claims` but never raises: (emitted claims, one report entry per applicable claim).

    An entry is {"name", "claimType", "value"} or {"name", "claimType", "error"}; Token Preview shows them.
    """
    emitted, report = {}, []
    for claim in compiled_claims:
        if claim.claim_type != token_type or not claim.applies(granted_scopes):
            continue
        entry = {"name": claim.name, "claimType": claim.claim_type}
        try:
            value = evaluate_claim(claim, context)
        except ClaimEvaluationFailed as exc:
            entry["error"] = {"error": exc.error, "error_description": exc.description, "reason": exc.reason}
        else:
            entry["value"] = value
            if value is not None:
                emitted[claim.name] = value
        report.append(entry)
    return emitted, report


def subject_value(value, claim: CompiledClaim) -> str:
    """The `sub` claim's value as text; null or a non-scalar value fails like any claim would."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ClaimEvaluationFailed(claim_failed_description(claim.name, claim.system), claim=claim.name,
                                reason=f"the sub claim must be text, got {value!r}")


def client_credentials_context(*, app: dict, scopes, org: dict | None) -> EvaluationContext:
    """What an expression sees for a request without a user (client credentials): no user, no appuser."""
    return EvaluationContext(user=None, appuser=None, groups=[], app=app, access={"scope": list(scopes)}, org=org)


def user_context(*, user: dict, groups: list, app: dict, scopes, org: dict | None) -> EvaluationContext:
    """What an expression sees for a request with a signed-in user: `user`, `appuser.userName`, `groups`."""
    return EvaluationContext(user=user, appuser={"userName": user.get("login")}, groups=list(groups), app=app,
                             access={"scope": list(scopes)}, org=org)
