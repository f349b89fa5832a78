"""Shared helpers for the report tests: a real SMTP server (aiosmtpd) on loopback with optional
STARTTLS / implicit TLS / AUTH, a self-signed certificate, and MIME parsing. No tests here."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "crossover"
PASSWORD = "s3cret-pw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost and its key, made with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Sink:
    """aiosmtpd handler keeping every accepted message; can refuse the first N with a 4xx."""

    refuse_first: int = 0
    refusal: str = "451 4.3.0 try again later"
    messages: list[EmailMessage] = field(default_factory=list)
    rcpt_tos: list[list[str]] = field(default_factory=list)
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.attempts <= self.refuse_first:
            return self.refusal
        raw = envelope.original_content or envelope.content
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.rcpt_tos.append(list(envelope.rcpt_tos))
        return "250 2.0.0 OK"


def _auth(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    host: str
    port: int
    sink: Sink
    cert: Path | None = None

    def client_context(self) -> ssl.SSLContext:
        assert self.cert is not None
        return ssl.create_default_context(cafile=str(self.cert))


@contextmanager
def smtp_server(
    tmp_path: Path,
    *,
    starttls: bool = False,
    implicit_tls: bool = False,
    auth: bool = False,
    sink: Sink | None = None,
) -> Iterator[SmtpServer]:
    sink = sink or Sink()
    kwargs: dict[str, Any] = {}
    cert = None
    if starttls or implicit_tls:
        cert, key = self_signed_cert(tmp_path)
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_ctx.load_cert_chain(cert, key)
        if implicit_tls:
            kwargs["ssl_context"] = server_ctx
        else:
            kwargs["tls_context"] = server_ctx
            kwargs["require_starttls"] = True
    if auth:
        kwargs["authenticator"] = _auth
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = True
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, sink, cert)
    finally:
        controller.stop()


def parts(msg: EmailMessage) -> dict[str, Any]:
    """The pieces a reader sees: html, text, inline images by Content-ID, attachments."""
    html = msg.get_body(("html",))
    text = msg.get_body(("plain",))
    images: dict[str, bytes] = {}
    attachments: dict[str, tuple[str, bytes]] = {}
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            attachments[part.get_filename() or ""] = (
                part.get_content_type(),
                cast(bytes, part.get_payload(decode=True)),
            )
        elif part.get_content_maintype() == "image":
            cid = str(part["Content-ID"]).strip("<>")
            images[cid] = cast(bytes, part.get_payload(decode=True))
    return {
        "html": html.get_content() if html is not None else None,
        "text": text.get_content() if text is not None else None,
        "images": images,
        "attachments": attachments,
    }
