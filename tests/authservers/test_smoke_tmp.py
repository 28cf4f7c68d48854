def test_smoke(client, authserver, scope, service_client, issue_token):
    token = issue_token(service_client)
    assert token.count(".") == 2
