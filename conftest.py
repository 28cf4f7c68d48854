"""Project-wide pytest hooks (fixtures live in tests/conftest.py)."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _stop_background_threads(django_db_setup, django_db_blocker):
    """The change-feed listener holds a database session; end it before the test database is dropped."""
    yield
    from authservers import changefeed, systemlog

    with django_db_blocker.unblock():
        systemlog.flush()
    changefeed.stop()
