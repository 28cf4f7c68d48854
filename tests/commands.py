"""Running management commands in tests: output captured, failures checked the same way everywhere."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run_command(*args):
    """Run a command; returns (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_command_failing(*args):
    """Run a command that must fail with exit status 1 and no stdout; returns (CommandError, stderr)."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command(*args, stdout=out, stderr=err)
    assert excinfo.value.returncode == 1
    assert out.getvalue() == ""
    return excinfo.value, err.getvalue()
