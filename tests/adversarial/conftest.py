"""Adversarial suite fixtures; builders of hostile inputs live in testkit.hostile."""

from __future__ import annotations

import resource

import pytest

from testkit.hostile import MiB
from testkit.loopback import LoopbackServer

MAX_RSS_GROWTH = 300 * MiB  # what one hostile case may add to this process' peak memory


@pytest.fixture
def bounded_memory():
    """Fails the test when handling the case raised the process' peak RSS by more than the bound."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert grown < MAX_RSS_GROWTH, f"peak memory grew by {grown / MiB:.0f} MiB"


@pytest.fixture
def server():
    """A loopback HTTP server whose routes a test sets (see testkit.loopback)."""
    with LoopbackServer() as srv:
        yield srv
