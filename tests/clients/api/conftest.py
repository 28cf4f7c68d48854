from tests.accounts.api.conftest import anonymous_api, api, bad_token_api, non_staff_api, staff_user  # noqa: F401
