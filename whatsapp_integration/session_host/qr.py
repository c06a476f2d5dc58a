"""QR linking as separate units: capture the code from the page, render it to a PNG."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from typing import Any

import qrcode
from qrcode.constants import ERROR_CORRECT_L

from whatsapp_integration.core.web.selectors import SelectorRegistry
from whatsapp_integration.session_host.page import PageView

_CANVAS_PNG_JS = """
const canvas = document.querySelector(arguments[0]);
return canvas ? canvas.toDataURL('image/png') : null;
"""
_DATA_URL_PREFIX = "data:image/png;base64,"


@dataclass(frozen=True)
class QrCapture:
	"""The code as text (from `data-ref`) or, when the page only draws it, the canvas image."""

	ref: str | None = None
	canvas_png: bytes | None = None

	@property
	def key(self) -> str:
		"""Changes exactly when WhatsApp rotates the code."""
		if self.ref:
			return self.ref
		return hashlib.sha256(self.canvas_png or b"").hexdigest()


def capture_qr(driver: Any, view: PageView, registry: SelectorRegistry) -> QrCapture | None:
	"""The QR the page shows now, preferring its data over pixels; None when there is none
	yet (a `data-ref` holder that is still empty means the code is about to arrive)."""
	if view.qr_ref:
		return QrCapture(ref=view.qr_ref)
	if view.qr_holder or not view.qr_canvas:
		return None
	data_url = driver.execute_script(_CANVAS_PNG_JS, registry.css("qr_canvas"))
	if not data_url or not data_url.startswith(_DATA_URL_PREFIX):
		return None
	return QrCapture(canvas_png=base64.b64decode(data_url[len(_DATA_URL_PREFIX) :]))


def render_qr(capture: QrCapture, box_size: int = 8) -> bytes:
	"""PNG bytes a phone can scan: drawn from the code's text, or the canvas image as it was."""
	if not capture.ref:
		return capture.canvas_png or b""
	code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, box_size=box_size, border=4)
	code.add_data(capture.ref)
	code.make(fit=True)
	buffer = io.BytesIO()
	code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
	return buffer.getvalue()
