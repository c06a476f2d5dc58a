"""A small QR decoder for tests: module matrix -> text. Reads the format information, removes
the mask, walks the data modules in the standard zigzag, de-interleaves the blocks and parses
numeric, alphanumeric and byte segments. No error correction: the matrix must be exact (it is
sampled from images drawn without noise). Layout tables come from the `qrcode` package."""

from __future__ import annotations

from qrcode import base, util

Modules = list[list[bool]]
_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_FORMAT_MASK = 0x5412


def decode(modules: Modules) -> str:
	size = len(modules)
	version = (size - 17) // 4
	if size != 17 + 4 * version or not 1 <= version <= 40:
		raise ValueError(f"{size} modules is no QR code size")
	error_correction, mask = _format(modules)
	codewords = _codewords(modules, version, mask)
	return _segments(_data(codewords, version, error_correction), version)


def _format(modules: Modules) -> tuple[int, int]:
	size, bits = len(modules), 0
	for i in range(15):
		row = i if i < 6 else i + 1 if i < 8 else size - 15 + i
		bits |= int(modules[row][8]) << i
	data = (bits ^ _FORMAT_MASK) >> 10
	return data >> 3, data & 7


def _reserved(size: int, version: int) -> set[tuple[int, int]]:
	cells = {(r, c) for r in range(9) for c in range(9)}
	cells |= {(r, c) for r in range(9) for c in range(size - 8, size)}
	cells |= {(r, c) for r in range(size - 8, size) for c in range(9)}
	finders = set(cells)
	cells |= {(6, i) for i in range(size)} | {(i, 6) for i in range(size)}
	centres = util.pattern_position(version)
	for row in centres:
		for col in centres:
			if (row, col) not in finders:  # none where it would overlap a finder pattern
				cells |= {(row + dr, col + dc) for dr in range(-2, 3) for dc in range(-2, 3)}
	if version >= 7:
		cells |= {(r, c) for r in range(6) for c in range(size - 11, size - 8)}
		cells |= {(r, c) for r in range(size - 11, size - 8) for c in range(6)}
	return cells


def _codewords(modules: Modules, version: int, mask: int) -> list[int]:
	size, reserved, masked = len(modules), _reserved(len(modules), version), util.mask_func(mask)
	bits: list[int] = []
	row, step = size - 1, -1
	for col in range(size - 1, 0, -2):
		if col <= 6:
			col -= 1
		while 0 <= row < size:
			for c in (col, col - 1):
				if (row, c) not in reserved:
					bits.append(int(modules[row][c] != bool(masked(row, c))))
			row += step
		row, step = row - step, -step
	return [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits) - 7, 8)]


def _data(codewords: list[int], version: int, error_correction: int) -> list[int]:
	blocks = base.rs_blocks(version, error_correction)
	data: list[list[int]] = [[] for _ in blocks]
	position = 0
	for index in range(max(block.data_count for block in blocks)):
		for number, block in enumerate(blocks):
			if index < block.data_count:
				data[number].append(codewords[position])
				position += 1
	return [byte for block in data for byte in block]


def _segments(data: list[int], version: int) -> str:
	bits = "".join(f"{byte:08b}" for byte in data)
	position, text = 0, []

	def take(count: int) -> int:
		nonlocal position
		value = int(bits[position : position + count] or "0", 2)
		position += count
		return value

	size_class = 0 if version < 10 else 1 if version < 27 else 2
	while position + 4 <= len(bits):
		mode = take(4)
		if mode == 0:
			break
		if mode == 1:
			count = take((10, 12, 14)[size_class])
			digits = ""
			while len(digits) < count:
				width = min(3, count - len(digits))
				digits += f"{take((4, 7, 10)[width - 1]):0{width}d}"
			text.append(digits)
		elif mode == 2:
			count, chars = take((9, 11, 13)[size_class]), ""
			while len(chars) < count:
				if count - len(chars) >= 2:
					pair = take(11)
					chars += _ALPHANUMERIC[pair // 45] + _ALPHANUMERIC[pair % 45]
				else:
					chars += _ALPHANUMERIC[take(6)]
			text.append(chars)
		elif mode == 4:
			count = take((8, 16, 16)[size_class])
			text.append(bytes(take(8) for _ in range(count)).decode("utf-8"))
		else:
			raise ValueError(f"unsupported QR mode {mode}")
	return "".join(text)
