import pytest
from aws_helpers import aws_call_recorder, moto_server, moto_url  # noqa: F401
from export_helpers import (  # noqa: F401
    demo_recs,
    export_book,
    nasty_recs,
    pytest_addoption,
    update_golden,
)


@pytest.fixture
def lmi_python_fn() -> dict[str, object]:
    """A Python function at 1,500 requests/s flat, 100 ms, 1,024 MB, arm64: 150 concurrent
    requests, the Lambda Managed Instances hand case of test_options and test_recommend."""
    return {
        "name": "py",
        "memory_mb": 1024,
        "arch": "arm64",
        "runtime": "python3.13",
        "monthly_invocations": 1500 * 730 * 3600,
        "avg_duration_ms": 100,
    }
