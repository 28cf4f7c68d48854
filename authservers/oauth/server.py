"""The oauthlib server Castellan runs: oauthlib's endpoints with the grants enabled so far.

oauthlib implements the flows; we register the grants, the JWT token generator and the
policy-driven lifetime. Grants for users (code, refresh, device…) join as their issues land.
"""

from oauthlib.oauth2 import AuthorizationCodeGrant, ClientCredentialsGrant
from oauthlib.oauth2.rfc6749.endpoints import IntrospectEndpoint, RevocationEndpoint, TokenEndpoint

from . import device, password
from .issuance import (
    CastellanBearerToken,
    access_token_lifetime,
    add_id_token,
    generate_access_token,
    generate_refresh_token,
)
from .refresh import CastellanRefreshTokenGrant

SUPPORTED_GRANT_TYPES = ["authorization_code", "client_credentials", "refresh_token", device.GRANT_TYPE,
                         password.GRANT_TYPE]


class CastellanServer(TokenEndpoint, IntrospectEndpoint, RevocationEndpoint):
    def __init__(self, request_validator, **kwargs):
        self.bearer = CastellanBearerToken(request_validator, token_generator=generate_access_token,
                                           expires_in=access_token_lifetime,
                                           refresh_token_generator=generate_refresh_token)
        self.credentials_grant = ClientCredentialsGrant(request_validator)
        # The ID token is added by a token modifier (OIDC Core §3.1.3.3); the bearer token decides
        # whether a refresh token comes along (offline_access, client allowed the refresh grant).
        self.code_grant = AuthorizationCodeGrant(request_validator, refresh_token=True)
        self.code_grant.register_token_modifier(add_id_token)
        self.refresh_grant = CastellanRefreshTokenGrant(request_validator)
        self.refresh_grant.register_token_modifier(add_id_token)
        TokenEndpoint.__init__(self, default_grant_type="client_credentials",
                               grant_types={"client_credentials": self.credentials_grant,
                                            "authorization_code": self.code_grant,
                                            "refresh_token": self.refresh_grant},
                               default_token_type=self.bearer)
        # Issue 5: the device flow (RFC 8628) and the legacy password grant; both add an ID token.
        self.device_grant = device.DeviceCodeGrant(request_validator, refresh_token=True)
        self.password_grant = password.PasswordGrant(request_validator, refresh_token=True)
        for grant in (self.device_grant, self.password_grant):
            grant.register_token_modifier(add_id_token)
        self.grant_types.update({device.GRANT_TYPE: self.device_grant, password.GRANT_TYPE: self.password_grant})
        IntrospectEndpoint.__init__(self, request_validator,
                                    supported_token_types=("access_token", "refresh_token"))
        RevocationEndpoint.__init__(self, request_validator,
                                    supported_token_types=("access_token", "refresh_token"))
