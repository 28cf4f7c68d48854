"""The consent matrix and the consent page's outcome (REFERENCE §3, §12.2), pure.

https://openid.net/specs/openid-connect-core-1_0.html#Consent
Which granted scopes the user must be asked about, given the client's consent method, each scope's
consent, `prompt`, and the user's stored grants; and what an answer from the page allows. The
grants themselves are read and written by `authservers.consents`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..runtime import ClientSnapshot, ServerSnapshot
    from .authorize import AuthorizationRequest


@dataclass(frozen=True)
class ConsentPrompt:
    """No code yet: the consent page must ask about `scopes` (in request order) first."""

    scopes: tuple[str, ...]
    optional: frozenset[str] = frozenset()
    declined: frozenset[str] = frozenset()  # optional scopes left unchecked before: shown unchecked


@dataclass(frozen=True)
class ConsentAnswer:
    """The user's "Allow" on the consent page: the optional scopes left checked."""

    accepted_optional: frozenset[str] = frozenset()


CONSENT_ENABLED = ("REQUIRED", "FLEXIBLE")


def consent_needed(req: AuthorizationRequest, client: ClientSnapshot, server: ServerSnapshot,
                   scopes) -> list[str]:
    """The granted scopes the consent matrix would prompt for (REFERENCE §3)."""
    prompted = ("consent" in req.prompts) or client.consent_method == "REQUIRED"
    if not prompted:
        return []
    return [name for name in scopes if server.scopes[name].consent in CONSENT_ENABLED]


CONSENT_REQUIRED = "The client specified not to prompt, but the user has not consented to all requested scopes."
CONSENT_DENIED = "The resource owner or authorization server denied the request."


@dataclass(frozen=True)
class ConsentPlan:
    """What the consent matrix and the stored grants make of the granted scopes."""

    ask: tuple[str, ...]  # scopes the page must show; empty: no page
    skipped: frozenset[str]  # optional scopes declined before and not asked again: left out of the code
    optional: frozenset[str] = frozenset()
    declined: frozenset[str] = frozenset()

    def prompt(self) -> ConsentPrompt:
        return ConsentPrompt(scopes=self.ask, optional=self.optional & set(self.ask),
                             declined=self.declined & set(self.ask))

    def outcome(self, answer: ConsentAnswer | None) -> tuple[frozenset[str], frozenset[str]]:
        """(scopes allowed, optional scopes declined) by `answer` to the page; nothing without a page."""
        if not self.ask or answer is None:
            return frozenset(), frozenset()
        asked_optional = self.optional & set(self.ask)
        declined = asked_optional - answer.accepted_optional
        return frozenset(self.ask) - declined, frozenset(declined)


def plan_consent(req: AuthorizationRequest, client: ClientSnapshot, server: ServerSnapshot, scopes,
                 states: Mapping[str, str], optional: frozenset[str]) -> ConsentPlan:
    """REFERENCE §3 and §12.2: ask for the prompted scopes not granted yet; `prompt=consent` asks for all.

    `states` maps scope names to the user's current grant (ACTIVE or DECLINED). An optional scope the
    user left unchecked is not asked again and stays out of the code (even for a TRUSTED client: the
    user said no), until `prompt=consent` asks again.
    """
    prompted = consent_needed(req, client, server, scopes)
    declined = frozenset(name for name in scopes if states.get(name) == "DECLINED" and name in optional)
    if "consent" in req.prompts:
        return ConsentPlan(ask=tuple(prompted), skipped=frozenset(), optional=optional, declined=declined)
    ask = tuple(name for name in prompted if states.get(name) != "ACTIVE" and name not in declined)
    return ConsentPlan(ask=ask, skipped=declined, optional=optional, declined=declined)
