"""Meta's webhook handshake (the subscription GET) and the X-Hub-Signature-256 of every POST."""

from __future__ import annotations

import hashlib
import hmac

from whatsapp_integration.core.errors import InvalidSignature

SIGNATURE_PREFIX = "sha256="


def verify_signature(raw_body: bytes, signature_header: str | None, app_secret: str) -> None:
	"""Raise `InvalidSignature` unless `signature_header` is `sha256=<HMAC-SHA256 of raw_body>`.

	The HMAC is computed over the exact bytes received (never re-serialised JSON) and compared
	in constant time. An empty app secret never verifies anything.
	"""
	if not app_secret:
		raise InvalidSignature("No App Secret is set in WhatsApp Integration Settings.")
	header = (signature_header or "").strip()
	if not header.startswith(SIGNATURE_PREFIX):
		raise InvalidSignature("The X-Hub-Signature-256 header is missing or not of the form sha256=<hex>.")
	expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
	received = header[len(SIGNATURE_PREFIX) :].lower()
	if not hmac.compare_digest(expected.encode(), received.encode("ascii", "replace")):
		raise InvalidSignature("The webhook signature does not match the App Secret.")


def sign(raw_body: bytes, app_secret: str) -> str:
	"""The `X-Hub-Signature-256` header Meta sends with `raw_body` (for tests and benchmarks)."""
	return SIGNATURE_PREFIX + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_handshake(mode: str | None, token: str | None, challenge: str | None, expected_token: str) -> str:
	"""The challenge to answer Meta's subscription GET with; `InvalidSignature` when it must be refused."""
	matches = hmac.compare_digest((token or "").encode(), (expected_token or "").encode())
	if mode != "subscribe" or not expected_token or not matches or challenge is None:
		raise InvalidSignature("The webhook verification request does not match the verify token.")
	return challenge
