"""A Pricing API emulator on loopback: a small `http.server` on 127.0.0.1 that serves the recorded
GetProducts pages of `tests/fixtures/pricing/` in AWS's own PriceList format, paginated with
NextToken, speaking the AWS JSON 1.1 protocol the boto3 `pricing` client uses
(POST /, X-Amz-Target: AWSPriceListService.GetProducts).

moto has no Pricing API: pair a moto server (Lambda, CloudWatch) with this emulator through
boto3's per-service endpoint variable AWS_ENDPOINT_URL_PRICING. Every request is recorded in
`calls` (operation, service code, region filter, token), so a test can see exactly what was read.
Pages are chosen by service code, `regionCode` filter and `usagetype` CONTAINS filter (the
Lambda Managed Instances query has its own recording). A region or service with no recorded
pages answers like AWS does for an unknown product: an empty PriceList.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "pricing"
JSON11 = "application/x-amz-json-1.1"


@dataclass
class PricingEmulator:
    """The server's state: recorded pages by (service code, region) and the calls received."""

    #: (service code, region, usagetype CONTAINS filter or "") -> recorded pages
    pages: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    deny: bool = False  # answer every call AccessDeniedException (a user without pricing:*)

    @classmethod
    def from_fixtures(cls, folder: Path = FIXTURES) -> PricingEmulator:
        emulator = cls()
        for path in sorted(folder.glob("getproducts-*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            key = (doc["service"], doc["region"], doc.get("usagetype_contains", ""))
            emulator.pages[key] = doc["pages"]
        return emulator

    def answer(self, target: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        operation = target.rsplit(".", 1)[-1]
        if self.deny:
            self.calls.append({"operation": operation, "denied": True})
            return 400, {
                "__type": "AccessDeniedException",
                "message": "User is not authorized to perform: pricing:GetProducts",
            }
        if operation != "GetProducts":
            return 400, {"__type": "UnknownOperationException", "message": operation}
        region = next(
            (f["Value"] for f in body.get("Filters", []) if f.get("Field") == "regionCode"), ""
        )
        service = body.get("ServiceCode", "")
        contains = next(
            (
                f["Value"]
                for f in body.get("Filters", [])
                if f.get("Field") == "usagetype" and f.get("Type") == "CONTAINS"
            ),
            "",
        )
        token = body.get("NextToken")
        self.calls.append(
            {"operation": operation, "service": service, "region": region, "token": token}
        )
        empty = [{"FormatVersion": "aws_v1", "PriceList": []}]
        pages = self.pages.get((service, region, contains)) or self.pages.get(
            (service, region, ""), empty
        )
        index = 0 if not token else int(str(token).rsplit("-", 1)[-1])
        if index >= len(pages):
            return 400, {"__type": "InvalidNextTokenException", "message": f"bad token {token}"}
        page = {"FormatVersion": "aws_v1", "PriceList": list(pages[index]["PriceList"])}
        if index + 1 < len(pages):
            page["NextToken"] = f"token-{index + 1}"
        return 200, page


def _handler(emulator: PricingEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            body = json.loads(raw or b"{}")
            status, payload = emulator.answer(self.headers.get("X-Amz-Target", ""), body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", JSON11)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "emulator-0000")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def running(emulator: PricingEmulator | None = None) -> Iterator[PricingEmulator]:
    """Serve `emulator` (default: every recorded fixture) on 127.0.0.1 on a free port."""
    emulator = emulator or PricingEmulator.from_fixtures()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(emulator))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    emulator.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield emulator
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
