"""The QR code a Web device shows, in a terminal (`bench whatsapp link`).

The device stores the code as the PNG the page showed (`render_qr`: drawn from the page's
`data-ref`, or the page's canvas as it was). `png_modules` samples that image back into the
code's modules, whatever its scale and margin; `terminal_blocks` draws two module rows per text
line with half blocks, light modules as blocks (a terminal draws them in its light foreground on
a dark background) inside a light quiet zone, so a phone scans it from the screen.
`watch_link` redraws the code each time WhatsApp rotates it until the session is WORKING.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

Modules = list[list[bool]]  # True: a dark module
FINDER_MODULES = 7
QUIET_ZONE = 2
DATA_URL_PREFIX = "data:image/png;base64,"
# (top light, bottom light) -> the character drawing them
_BLOCKS = {(False, False): " ", (True, False): "\u2580", (False, True): "\u2584", (True, True): "\u2588"}


def png_from_data_url(value: str) -> bytes:
	if not value.startswith(DATA_URL_PREFIX):
		raise ValueError("The stored QR code is not a PNG data URL.")
	return base64.b64decode(value[len(DATA_URL_PREFIX) :])


def png_modules(png: bytes) -> Modules:
	"""The modules of the QR code in `png`: its dark bounding box, the module size from the
	top-left finder pattern (7 modules wide), each module sampled at its centre."""
	image = Image.open(io.BytesIO(png)).convert("L")
	dark = image.point(lambda value: 255 if value < 128 else 0)
	box = dark.getbbox()
	if box is None:
		raise ValueError("The QR image is blank.")
	left, top, right, _bottom = box
	run = 0
	while left + run < right and image.getpixel((left + run, top)) < 128:
		run += 1
	size = run / FINDER_MODULES
	count = round((right - left) / size)
	return [
		[
			image.getpixel((int(left + (col + 0.5) * size), int(top + (row + 0.5) * size))) < 128
			for col in range(count)
		]
		for row in range(count)
	]


def terminal_blocks(modules: Modules) -> str:
	"""The code as text lines of half blocks (light modules drawn), with a light quiet zone."""
	width = len(modules) + 2 * QUIET_ZONE
	light = [[True] * width for _ in range(QUIET_ZONE)]
	light += [[True] * QUIET_ZONE + [not dark for dark in row] + [True] * QUIET_ZONE for row in modules]
	light += [[True] * width for _ in range(QUIET_ZONE)]
	if len(light) % 2:
		light.append([False] * width)
	return "\n".join(
		"".join(_BLOCKS[(top, bottom)] for top, bottom in zip(light[row], light[row + 1], strict=True))
		for row in range(0, len(light), 2)
	)


@dataclass(frozen=True)
class LinkView:
	"""What the device shows now: its session state and its QR (a PNG data URL) while one shows."""

	state: str
	qr: str | None = None
	reason: str | None = None


def watch_link(
	read: Callable[[], LinkView],
	draw: Callable[[str], None],
	*,
	timeout: float,
	interval: float = 1.0,
	clock: Callable[[], float] = time.monotonic,
	sleep: Callable[[float], None] = time.sleep,
) -> LinkView:
	"""Draw each new QR code as text until the session is WORKING or FAILED (or `timeout`);
	the last view."""
	deadline, shown = clock() + timeout, None
	while True:
		view = read()
		if view.state in ("WORKING", "FAILED"):
			return view
		if view.qr and view.qr != shown:
			draw(terminal_blocks(png_modules(png_from_data_url(view.qr))))
			shown = view.qr
		if clock() >= deadline:
			return view
		sleep(interval)
