from .claims import Claim, ClaimStatus, ClaimType, ClaimValueType, GroupFilterType
from .consents import ConsentGrant, ConsentSource, ConsentStatus
from .device import DeviceAuthorization, DeviceAuthorizationStatus
from .housekeeping import HousekeepingRun
from .keys import KeyStatus, SigningAlg, SigningKey
from .logs import LogEvent
from .org import Org
from .scopes import ConsentType, MetadataPublish, Scope
from .servers import AuthorizationServer, IssuerMode, RotationMode, ServerStatus
from .tokens import AccessToken, DeviceGrant, Grant, IDToken, RefreshToken, RefreshTokenFamily, RevokedAccessToken

__all__ = [
    "AccessToken", "AuthorizationServer", "Claim", "ClaimStatus", "ClaimType", "ClaimValueType",
    "ConsentGrant", "ConsentSource", "ConsentStatus", "ConsentType",
    "DeviceAuthorization", "DeviceAuthorizationStatus", "DeviceGrant", "Grant", "GroupFilterType",
    "HousekeepingRun", "IDToken", "IssuerMode", "KeyStatus", "LogEvent", "MetadataPublish", "Org",
    "RefreshToken", "RefreshTokenFamily", "RevokedAccessToken", "RotationMode",
    "Scope", "ServerStatus", "SigningAlg", "SigningKey",
]
