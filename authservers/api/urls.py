from django.urls import path

from . import claims, keys, policies, rules, scopes, servers

app_name = "authservers_api"

_server = "authorizationServers/<str:server_id>"
_policy = f"{_server}/policies/<str:policy_id>"
_rule = f"{_policy}/rules/<str:rule_id>"

urlpatterns = [
    path("authorizationServers", servers.AuthorizationServerListApi.as_view(), name="list"),
    path(_server, servers.AuthorizationServerDetailApi.as_view(), name="detail"),
    path(f"{_server}/lifecycle/activate", servers.AuthorizationServerActivateApi.as_view(), name="activate"),
    path(f"{_server}/lifecycle/deactivate", servers.AuthorizationServerDeactivateApi.as_view(), name="deactivate"),
    path(f"{_server}/scopes", scopes.ScopeListApi.as_view(), name="scopes"),
    path(f"{_server}/scopes/<str:scope_id>", scopes.ScopeDetailApi.as_view(), name="scope"),
    path(f"{_server}/claims", claims.ClaimListApi.as_view(), name="claims"),
    path(f"{_server}/claims/<str:claim_id>", claims.ClaimDetailApi.as_view(), name="claim"),
    path(f"{_server}/policies", policies.PolicyListApi.as_view(), name="policies"),
    path(_policy, policies.PolicyDetailApi.as_view(), name="policy"),
    path(f"{_policy}/lifecycle/activate", policies.PolicyActivateApi.as_view(), name="policy-activate"),
    path(f"{_policy}/lifecycle/deactivate", policies.PolicyDeactivateApi.as_view(), name="policy-deactivate"),
    path(f"{_policy}/rules", rules.RuleListApi.as_view(), name="rules"),
    path(_rule, rules.RuleDetailApi.as_view(), name="rule"),
    path(f"{_rule}/lifecycle/activate", rules.RuleActivateApi.as_view(), name="rule-activate"),
    path(f"{_rule}/lifecycle/deactivate", rules.RuleDeactivateApi.as_view(), name="rule-deactivate"),
    path(f"{_server}/credentials/keys", keys.KeyListApi.as_view(), name="keys"),
    path(f"{_server}/credentials/keys/<str:kid>", keys.KeyDetailApi.as_view(), name="key"),
    path(f"{_server}/credentials/lifecycle/keyRotate", keys.KeyRotateApi.as_view(), name="key-rotate"),
]
