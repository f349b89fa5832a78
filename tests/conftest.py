from aws_helpers import aws_call_recorder, moto_server, moto_url  # noqa: F401
from export_helpers import (  # noqa: F401
    demo_recs,
    export_book,
    nasty_recs,
    pytest_addoption,
    update_golden,
)
