import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent

# CI decides at least 500 generated cases per differential test (the bar in DEVELOPERS.md).
settings.register_profile("ci", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


@pytest.fixture(scope="session")
def policy():
    from visarules.dsl import load_policy

    return load_policy(ROOT / "policy")


@pytest.fixture(scope="session")
def seed_cases():
    """Every example and worked case, as mutation seeds for generated cases."""
    files = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "tests" / "cases").glob("*.json"))
    return tuple(json.loads(f.read_text()) for f in files)
