"""core/vocabulary.py: the named values read, compare and print as the bare strings they replace."""

from __future__ import annotations

import json

from whatsapp_integration.core.vocabulary import DeviceMode, MessageStatus, MessageType


def test_a_member_is_its_string_in_comparisons_json_and_messages() -> None:
	assert MessageStatus.SENT == "Sent"
	assert json.dumps({"status": MessageStatus.SENT}) == '{"status": "Sent"}'
	assert f"{DeviceMode.WEB} {DeviceMode.WEB!r}" == "Web 'Web'"


def test_media_types_are_the_types_that_send_a_file() -> None:
	assert MessageType.media() == ("image", "document", "video", "audio", "sticker")
