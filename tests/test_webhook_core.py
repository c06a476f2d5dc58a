"""core.webhook: signatures, the handshake, and parsing every shape Meta documents (and many it does not)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from whatsapp_integration.core.errors import InvalidSignature, InvalidWebhookPayload
from whatsapp_integration.core.webhook import (
	parse_webhook,
	sign,
	verify_handshake,
	verify_signature,
)
from whatsapp_integration.testing import webhook_payloads as payloads

SECRET = "unit-test-app-secret-7c21"
FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
FIXTURE_NAMES = sorted(path.stem for path in FIXTURES.glob("*.body"))


def load_fixture(name: str) -> tuple[bytes, dict[str, Any]]:
	return (FIXTURES / f"{name}.body").read_bytes(), json.loads(
		(FIXTURES / f"{name}.expect.json").read_text()
	)


# --- signature ---------------------------------------------------------------------------------


def test_signature_of_the_exact_bytes_verifies() -> None:
	raw = (FIXTURES / "mixed_batch.body").read_bytes()
	verify_signature(raw, sign(raw, SECRET), SECRET)


def test_known_signature_vector() -> None:
	"""HMAC-SHA256 computed independently (RFC 4231 test case 2) so `sign` cannot be wrong with it."""
	raw = b"what do ya want for nothing?"
	expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	verify_signature(raw, expected, "Jefe")
	assert sign(raw, "Jefe") == expected


def test_uppercase_hex_digest_verifies() -> None:
	raw = b'{"entry":[]}'
	verify_signature(raw, "sha256=" + sign(raw, SECRET)[7:].upper(), SECRET)


@pytest.mark.parametrize(
	"header",
	[
		None,
		"",
		"   ",
		"sha256=",
		"sha256=zz",
		"sha256=" + "0" * 64,
		"sha1=0123456789abcdef0123456789abcdef01234567",
		"SHA256=",
		"sha256=ünicode",
	],
)
def test_missing_or_malformed_signature_is_rejected(header: str | None) -> None:
	with pytest.raises(InvalidSignature):
		verify_signature(b'{"entry":[]}', header, SECRET)


def test_sha1_signature_of_the_right_body_is_still_rejected() -> None:
	import hashlib
	import hmac

	raw = b'{"entry":[]}'
	sha1 = "sha1=" + hmac.new(SECRET.encode(), raw, hashlib.sha1).hexdigest()
	with pytest.raises(InvalidSignature):
		verify_signature(raw, sha1, SECRET)


def test_wrong_secret_is_rejected() -> None:
	raw = (FIXTURES / "mixed_batch.body").read_bytes()
	with pytest.raises(InvalidSignature):
		verify_signature(raw, sign(raw, SECRET + "x"), SECRET)


def test_empty_app_secret_never_verifies() -> None:
	raw = b"{}"
	with pytest.raises(InvalidSignature):
		verify_signature(raw, sign(raw, ""), "")


@pytest.mark.parametrize("position", [0, 1, 57, -2, -1])
def test_body_changed_by_one_byte_is_rejected(position: int) -> None:
	raw = bytearray((FIXTURES / "mixed_batch.body").read_bytes())
	header = sign(bytes(raw), SECRET)
	raw[position] ^= 0x01
	with pytest.raises(InvalidSignature):
		verify_signature(bytes(raw), header, SECRET)


def test_appended_byte_is_rejected() -> None:
	raw = (FIXTURES / "mixed_batch.body").read_bytes()
	with pytest.raises(InvalidSignature):
		verify_signature(raw + b"\n", sign(raw, SECRET), SECRET)


def test_reserialised_json_is_rejected() -> None:
	"""Same JSON value, other bytes: Meta signed the bytes, so this must fail."""
	raw = (FIXTURES / "every_message_type.body").read_bytes()
	header = sign(raw, SECRET)
	reserialised = json.dumps(json.loads(raw)).encode()  # ASCII escapes and spaces differ
	assert json.loads(reserialised) == json.loads(raw) and reserialised != raw
	with pytest.raises(InvalidSignature):
		verify_signature(reserialised, header, SECRET)


# --- handshake ---------------------------------------------------------------------------------


def test_handshake_answers_the_challenge() -> None:
	assert verify_handshake("subscribe", "verify-me", "1158201444", "verify-me") == "1158201444"


@pytest.mark.parametrize(
	"mode, token, challenge, expected",
	[
		("subscribe", "wrong", "1", "verify-me"),
		("unsubscribe", "verify-me", "1", "verify-me"),
		(None, "verify-me", "1", "verify-me"),
		("subscribe", None, "1", "verify-me"),
		("subscribe", "", "1", ""),
		("subscribe", "verify-me", None, "verify-me"),
		("subscribe", "verify-me ", "1", "verify-me"),
	],
)
def test_handshake_refuses(mode: str | None, token: str | None, challenge: str | None, expected: str) -> None:
	with pytest.raises(InvalidSignature):
		verify_handshake(mode, token, challenge, expected)


# --- parsing: fixtures -------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_inbound_and_statuses(name: str) -> None:
	raw, expect = load_fixture(name)
	batch = parse_webhook(raw)
	phone_ids = {payloads.PHONE_NUMBER_ID, "111111111111111"}
	assert {message.phone_number_id for message in batch.messages} <= phone_ids
	if name != "unknown_phone_number_id":
		assert [message.wamid for message in batch.messages] == expect["inbound"]
	seen: dict[str, list[str]] = {}
	for status in batch.statuses:
		seen.setdefault(status.wamid, []).append(status.status.lower())
	for wamid, state in expect["statuses"].items():
		assert state in seen[wamid]


def test_every_message_type_is_read() -> None:
	raw, expect = load_fixture("every_message_type")
	messages = {message.wamid: message for message in parse_webhook(raw).messages}
	assert {wamid: message.type for wamid, message in messages.items()} == expect["types"]
	assert {wamid: messages[wamid].text for wamid in expect["text"]} == expect["text"]
	assert {wamid: messages[wamid].media.id for wamid in expect["media_ids"]} == expect["media_ids"]
	assert messages["wamid.T-image"].media.mime_type == "image/jpeg"
	assert messages["wamid.T-document"].media.filename == "invoice.pdf"
	assert messages["wamid.T-location"].location.latitude == pytest.approx(52.52)
	assert messages["wamid.T-interactive-button"].reply_id == "yes-1"
	assert messages["wamid.T-button"].reply_id == "CONFIRM"
	assert messages["wamid.T-reaction"].reaction.message_id == "wamid.OUT-liked"
	assert messages["wamid.T-reaction"].context_id is None
	assert messages["wamid.T-text"].context_id == "wamid.OUT-ctx"
	assert messages["wamid.T-unsupported"].error_code == 131051
	assert messages["wamid.T-unsupported"].error_title == "Message type unknown"
	assert all(message.profile_name == "Kim" for message in messages.values())
	assert all(message.timestamp == 1764000000 for message in messages.values())


def test_bsuid_only_sender_has_no_phone() -> None:
	raw, expect = load_fixture("bsuid_only_sender")
	(message,) = parse_webhook(raw).messages
	assert message.wa_id is None
	assert message.user_id == expect["user_ids"]["wamid.T-bsuid"]
	assert message.profile_name == "Username User"


def test_bsuid_comes_from_the_contact_when_the_message_lacks_it() -> None:
	body = payloads.envelope(
		[
			payloads.messages_change(
				[payloads.text_message("wamid.B1", "hi", wa_id="4917600000001")],
				contacts=[payloads.contact("4917600000001", "Kim", user_id="DE.99")],
			)
		]
	)
	(message,) = parse_webhook(payloads.encode(body)).messages
	assert (message.wa_id, message.user_id) == ("4917600000001", "DE.99")


def test_contacts_are_matched_to_their_messages() -> None:
	raw, _ = load_fixture("mixed_batch")
	names = {message.wamid: message.profile_name for message in parse_webhook(raw).messages}
	assert names == {"wamid.T-m1": "Eins", "wamid.T-m2": "Zwei", "wamid.T-m3": None}


def test_other_fields_are_ignored_not_errors() -> None:
	raw, expect = load_fixture("mixed_batch")
	batch = parse_webhook(raw)
	assert sorted(batch.ignored_fields) == expect["ignored_fields"]
	assert batch.skipped == 0


def test_status_details() -> None:
	raw, expect = load_fixture("failed_opted_out")
	(status,) = parse_webhook(raw).statuses
	assert (status.status, status.error_code) == ("Failed", expect["error_codes"]["wamid.T-out9"])
	assert status.error_title.startswith("Unable to deliver")
	assert status.error_details == "Marketing opt out"
	assert status.recipient_id == "4917600000031"
	assert status.timestamp == 1764000300


def test_callback_data_is_kept() -> None:
	raw, _ = load_fixture("mixed_batch")
	callbacks = [(status.wamid, status.callback_data) for status in parse_webhook(raw).statuses]
	assert ("wamid.T-out2", "campaign:7") in callbacks


# --- opt-out and opt-in ------------------------------------------------------------------------


def test_error_131050_opts_the_recipient_out() -> None:
	raw, _ = load_fixture("failed_opted_out")
	(change,) = parse_webhook(raw).opt_outs
	assert (change.wa_id, change.source) == ("4917600000031", "Meta")


def test_user_preferences_stop_and_resume() -> None:
	stop = parse_webhook(payloads.encode(payloads.envelope([payloads.preferences_change("4917600000050")])))
	resume, _ = load_fixture("preferences_resume")
	assert [change.wa_id for change in stop.opt_outs] == ["4917600000050"]
	assert [change.wa_id for change in parse_webhook(resume).opt_ins] == ["4917600000051"]


def test_default_keywords_in_three_languages() -> None:
	raw, _ = load_fixture("keywords")
	batch = parse_webhook(raw)
	assert [change.wa_id for change in batch.opt_outs] == ["4917600000021", "989120000022", "966500000023"]
	assert [change.wa_id for change in batch.opt_ins] == ["4917600000025"]
	assert {change.source for change in batch.opt_outs} == {"Keyword"}


def test_keywords_come_from_config() -> None:
	raw, _ = load_fixture("keywords")
	batch = parse_webhook(raw, stop_keywords=("please stop sending me offers",), start_keywords=())
	assert [change.wa_id for change in batch.opt_outs] == ["4917600000024"]
	assert batch.opt_ins == []


def test_keyword_of_a_bsuid_only_sender() -> None:
	body = payloads.envelope(
		[payloads.messages_change([payloads.text_message("wamid.K", "STOP", wa_id=None, user_id="US.1")])]
	)
	(change,) = parse_webhook(payloads.encode(body)).opt_outs
	assert (change.wa_id, change.user_id) == (None, "US.1")


# --- robustness --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"not json", b"{", b"\xff\xfe", b"[1,2]", b'"text"', b"42", b"null"])
def test_non_object_bodies_raise_a_typed_error(raw: bytes) -> None:
	with pytest.raises(InvalidWebhookPayload):
		parse_webhook(raw)


def test_deep_nesting_is_a_typed_error_or_empty() -> None:
	deep = b'{"entry":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
	try:
		batch = parse_webhook(deep)
	except InvalidWebhookPayload:
		return
	assert batch.messages == []


@pytest.mark.parametrize(
	"payload",
	[
		{},
		{"entry": None},
		{"entry": "x"},
		{"entry": [None, 1, "x", []]},
		{"entry": [{"changes": {"field": "messages"}}]},
		{"entry": [{"changes": [{"field": "messages", "value": None}]}]},
		{"entry": [{"changes": [{"field": "messages", "value": {"messages": {"id": "x"}}}]}]},
		{"entry": [{"changes": [{"field": "messages", "value": {"messages": [None, 3, {"id": None}]}}]}]},
		{"entry": [{"changes": [{"field": ["messages"], "value": {}}]}]},
		{
			"entry": [
				{
					"changes": [
						{"field": "messages", "value": {"statuses": [{"id": "w", "status": "deleted"}]}}
					]
				}
			]
		},
		{"entry": [{"changes": [{"field": "messages", "value": {"statuses": [{"id": {}, "status": []}]}}]}]},
		{
			"entry": [
				{
					"changes": [
						{"field": "user_preferences", "value": {"user_preferences": [{"value": "stop"}]}}
					]
				}
			]
		},
	],
)
def test_odd_shapes_never_raise(payload: dict[str, Any]) -> None:
	batch = parse_webhook(json.dumps(payload).encode())
	assert batch.messages == [] and batch.statuses == [] and batch.opt_outs == []


def test_wrongly_typed_fields_are_tolerated() -> None:
	odd = payloads.message(
		"wamid.ODD",
		"text",
		{"text": {"body": ["not", "a", "string"]}, "context": "x", "errors": {"code": "x"}},
		timestamp={"when": "now"},  # type: ignore[arg-type]
	)
	located = payloads.message(
		"wamid.LOC", "location", {"location": {"latitude": "north", "longitude": True}}
	)
	body = payloads.envelope([payloads.messages_change([odd, located], contacts="nobody")])  # type: ignore[arg-type]
	first, second = parse_webhook(payloads.encode(body)).messages
	assert (first.wamid, first.text, first.timestamp, first.context_id) == ("wamid.ODD", None, None, None)
	assert (second.location.latitude, second.location.longitude) == (None, None)


def test_statuses_with_unknown_state_are_skipped_and_counted() -> None:
	body = payloads.envelope(
		[payloads.messages_change(statuses=[payloads.status("w1", "deleted"), payloads.status("w2", "read")])]
	)
	batch = parse_webhook(payloads.encode(body))
	assert [status.wamid for status in batch.statuses] == ["w2"]
	assert batch.skipped == 1


def _random_json(rng: random.Random, depth: int = 0) -> Any:
	keys = ["entry", "changes", "field", "value", "messages", "statuses", "id", "type", "text", "body"]
	keys += ["from", "timestamp", "errors", "code", "metadata", "phone_number_id", "contacts", "wa_id"]
	keys += ["user_preferences", "location", "interactive", "image", "reaction", "status", "context"]
	choice = rng.random()
	if depth > 5 or choice < 0.35:
		return rng.choice([None, True, False, 0, -1, 2**70, 1.5, "", "messages", "stop", "x" * 50, "٣"])
	if choice < 0.65:
		return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
	return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 6))}


def _mutate(rng: random.Random, node: Any) -> Any:
	"""A well-formed body with one random subtree replaced by random JSON."""
	if isinstance(node, dict) and node and rng.random() < 0.8:
		key = rng.choice(list(node))
		return {**node, key: _mutate(rng, node[key])}
	if isinstance(node, list) and node and rng.random() < 0.8:
		index = rng.randrange(len(node))
		return [*node[:index], _mutate(rng, node[index]), *node[index + 1 :]]
	return _random_json(rng)


def test_fuzzed_shapes_never_raise_unhandled() -> None:
	rng = random.Random(20261125)
	bodies = [json.loads(load_fixture(name)[0]) for name in FIXTURE_NAMES]
	for _ in range(3000):
		payload = _mutate(rng, rng.choice(bodies)) if rng.random() < 0.7 else _random_json(rng)
		raw = json.dumps(payload).encode()
		try:
			parse_webhook(raw)
		except InvalidWebhookPayload:
			assert not isinstance(payload, dict)


def test_truncations_and_byte_flips_never_raise_unhandled() -> None:
	rng = random.Random(7)
	for name in FIXTURE_NAMES:
		raw = load_fixture(name)[0]
		for cut in range(0, len(raw), max(1, len(raw) // 150)):
			try:
				parse_webhook(raw[:cut])
			except InvalidWebhookPayload:
				pass
		for _ in range(200):
			flipped = bytearray(raw)
			flipped[rng.randrange(len(raw))] = rng.randrange(256)
			try:
				parse_webhook(bytes(flipped))
			except InvalidWebhookPayload:
				pass
