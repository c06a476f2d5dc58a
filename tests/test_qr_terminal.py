"""`bench whatsapp link` draws the QR the device shows as terminal blocks: read back from the
text and decoded, it is the page's reference again (the stored PNG drawn from `data-ref`, and a
canvas image at another scale); a rotated code is drawn again, and the watch ends at WORKING."""

from __future__ import annotations

import base64
import io

import pytest
import qrcode
from qr_decode import decode

from whatsapp_integration.session_host.qr import QrCapture, render_qr
from whatsapp_integration.session_host.qr_terminal import (
	QUIET_ZONE,
	LinkView,
	png_modules,
	terminal_blocks,
	watch_link,
)

# The shape of WhatsApp Web's data-ref: "2@<ref>,<noise key>,<identity key>,<adv secret>"
REF = (
	"2@Q0GbH8wTfXcV2s3pZkLr9uYbNm1dFqAeRtYuIoPlKjHgFdSaZxCvBnM1234567890abcdEFGH==,"
	"hXv0M1k4YlK2N8pQ+Zc3r5s7t9u1w3y5A7C9E1G3I5K=,Jm3o5q7s9u1w3y5A7C9E1G3I5K7M9O1Q3S5U7W9Y1a=,"
	"kL2m4n6p8r0t2v4x6z8B0D2F4H6J8L0N2P4R6T8V0X2="
)


def read_back(text: str) -> list[list[bool]]:
	"""The modules drawn by `terminal_blocks` (a dark module is a space)."""
	rows: list[list[bool]] = []
	for line in text.split("\n"):
		rows.append([char in " \u2584" for char in line])  # top half dark
		rows.append([char in " \u2580" for char in line])  # bottom half dark
	inner = rows[QUIET_ZONE:]
	size = len(text.split("\n")[0]) - 2 * QUIET_ZONE
	return [row[QUIET_ZONE : QUIET_ZONE + size] for row in inner[:size]]


def data_url(png: bytes) -> str:
	return "data:image/png;base64," + base64.b64encode(png).decode()


def test_the_stored_png_drawn_in_the_terminal_decodes_to_the_page_reference() -> None:
	text = terminal_blocks(png_modules(render_qr(QrCapture(ref=REF))))
	assert set(text) <= {" ", "\u2580", "\u2584", "\u2588", "\n"}
	assert decode(read_back(text)) == REF


@pytest.mark.parametrize("box_size,border", [(3, 1), (5, 4), (11, 0)])
def test_a_canvas_image_at_any_scale_decodes_too(box_size: int, border: int) -> None:
	code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
	code.add_data(REF)
	buffer = io.BytesIO()
	code.make_image().save(buffer, format="PNG")
	modules = png_modules(buffer.getvalue())
	matrix = code.get_matrix()
	assert modules == [row[border : len(row) - border] for row in matrix[border : len(matrix) - border]]
	assert decode(read_back(terminal_blocks(modules))) == REF


def test_watch_redraws_each_rotated_code_until_working() -> None:
	first, second = (data_url(render_qr(QrCapture(ref=f"{REF[:-1]}{n}"))) for n in "AB")
	views = iter(
		[
			LinkView("STARTING"),
			LinkView("SCAN_QR_CODE", first),
			LinkView("SCAN_QR_CODE", first),
			LinkView("SCAN_QR_CODE", second),
			LinkView("WORKING"),
		]
	)
	drawn: list[str] = []
	last = watch_link(lambda: next(views), drawn.append, timeout=60, clock=lambda: 0.0, sleep=lambda s: None)
	assert last.state == "WORKING"
	assert [decode(read_back(text)) for text in drawn] == [f"{REF[:-1]}A", f"{REF[:-1]}B"]


def test_watch_gives_up_at_its_timeout() -> None:
	now = [0.0]

	def sleep(seconds: float) -> None:
		now[0] += seconds

	last = watch_link(lambda: LinkView("STARTING"), print, timeout=5, clock=lambda: now[0], sleep=sleep)
	assert last.state == "STARTING" and now[0] == 5
