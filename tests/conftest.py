from aws_helpers import aws_call_recorder, moto_server, moto_url  # noqa: F401
