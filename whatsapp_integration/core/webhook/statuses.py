"""One status event of a message we sent, and the opt-out Meta's error 131050 on it means."""

from __future__ import annotations

from typing import Any

from whatsapp_integration.core.errors import MetaCode
from whatsapp_integration.core.status import from_meta
from whatsapp_integration.core.webhook.events import SOURCE_META, PreferenceChange, StatusUpdate
from whatsapp_integration.core.webhook.values import as_dict, as_text, as_timestamp, dicts, first_error


def read_status(raw: dict[str, Any], number_id: str | None) -> StatusUpdate | None:
	wamid, status = as_text(raw.get("id")), from_meta(as_text(raw.get("status")) or "")
	if not wamid or not status:
		return None
	error_code, error_title = first_error(raw)
	error = next(dicts(raw.get("errors")), {})
	return StatusUpdate(
		wamid=wamid,
		status=status,
		timestamp=as_timestamp(raw.get("timestamp")),
		phone_number_id=number_id,
		recipient_id=as_text(raw.get("recipient_id")),
		recipient_user_id=as_text(raw.get("recipient_user_id")) or as_text(raw.get("user_id")),
		callback_data=as_text(raw.get("biz_opaque_callback_data")),
		error_code=error_code,
		error_title=error_title,
		error_details=as_text(as_dict(error.get("error_data")).get("details"))
		or as_text(error.get("message")),
	)


def opt_out_from_status(status: StatusUpdate) -> PreferenceChange:
	return PreferenceChange(
		wa_id=status.recipient_id,
		user_id=status.recipient_user_id,
		phone_number_id=status.phone_number_id,
		reason=status.error_title
		or f"Meta error {MetaCode.USER_STOPPED_MARKETING:d}: the user stopped marketing messages",
		source=SOURCE_META,
		timestamp=status.timestamp,
	)
