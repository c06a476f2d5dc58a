"""Opt-outs and opt-ins: Meta's `user_preferences` changes and stop/start keywords in inbound texts."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from whatsapp_integration.core.webhook.events import (
	SOURCE_KEYWORD,
	SOURCE_META,
	PreferenceChange,
	WebhookBatch,
)
from whatsapp_integration.core.webhook.values import as_dict, as_list, as_text, as_timestamp


def read_preferences(value: dict[str, Any], batch: WebhookBatch) -> None:
	number_id = as_text(as_dict(value.get("metadata")).get("phone_number_id"))
	for raw in as_list(value.get("user_preferences")):
		preference = as_dict(raw)
		choice = (as_text(preference.get("value")) or "").lower()
		wa_id, user_id = as_text(preference.get("wa_id")), as_text(preference.get("user_id"))
		if choice not in ("stop", "resume") or not (wa_id or user_id):
			batch.skipped += 1
			continue
		change = PreferenceChange(
			wa_id=wa_id,
			user_id=user_id,
			phone_number_id=number_id,
			reason=as_text(preference.get("detail")) or f"User chose {choice} for marketing messages",
			source=SOURCE_META,
			timestamp=as_timestamp(preference.get("timestamp")),
		)
		(batch.opt_outs if choice == "stop" else batch.opt_ins).append(change)


def detect_keywords(batch: WebhookBatch, stop: frozenset[str], start: frozenset[str]) -> None:
	"""Inbound texts that are exactly a stop (start) keyword opt the sender out (in)."""
	for message in batch.messages:
		if message.type not in ("text", "button"):
			continue
		word = normalize_keyword(message.text or "")
		target = batch.opt_outs if word in stop else batch.opt_ins if word in start else None
		if target is not None and (message.wa_id or message.user_id):
			target.append(
				PreferenceChange(
					wa_id=message.wa_id,
					user_id=message.user_id,
					phone_number_id=message.phone_number_id,
					reason=f"The customer wrote {message.text.strip()!r}",
					source=SOURCE_KEYWORD,
					timestamp=message.timestamp,
				)
			)


def normalize_keyword(text: str) -> str:
	"""Case-, width- and punctuation-insensitive form of a one-word reply ("Stop!" -> "STOP")."""
	folded = unicodedata.normalize("NFKC", text).strip().strip(".!؟?،,;:").strip().upper()
	return " ".join(folded.split())


def keyword_set(keywords: Iterable[str]) -> frozenset[str]:
	return frozenset(filter(None, (normalize_keyword(word) for word in keywords)))
