"""What Meta's template statuses mean for sending, and the reason people read when a template
stops the campaigns and notifications that use it."""

from __future__ import annotations

from whatsapp_integration.core.i18n import _

DRAFT = "DRAFT"  # authored in the desk, not submitted yet
APPROVED = "APPROVED"
PENDING = "PENDING"
# A template in one of these statuses cannot be sent: Meta refuses it (132015, 132016, 132001).
BLOCKING = frozenset({"PAUSED", "DISABLED", "REJECTED", "PENDING_DELETION", "DELETED", "ARCHIVED"})
# Meta takes edits only in these statuses (a PENDING one is under review).
EDITABLE = frozenset({APPROVED, "REJECTED", "PAUSED"})
TEMPLATE_BLOCKED = "template_blocked"  # alert kind template_blocked:<STATUS>, subject the template row


def blocks_sending(status: str | None) -> bool:
	return (status or "").upper() in BLOCKING


def stop_reason(template: str, language: str, status: str, detail: str | None) -> str:
	"""Why the users of a template were stopped, and what to do about it."""
	paused = status.upper() == "PAUSED"
	if paused and detail:
		reason = _(
			"WhatsApp template {template} ({language}) is {status} at Meta: {detail}. Sends with it are refused "
			"until Meta approves it again (a pause ends by itself after 3 or 6 hours; resume then)."
		)
	elif paused:
		reason = _(
			"WhatsApp template {template} ({language}) is {status} at Meta. Sends with it are refused "
			"until Meta approves it again (a pause ends by itself after 3 or 6 hours; resume then)."
		)
	elif detail:
		reason = _(
			"WhatsApp template {template} ({language}) is {status} at Meta: {detail}. Sends with it are refused "
			"until Meta approves it again: edit and resubmit the template, or choose another one."
		)
	else:
		reason = _(
			"WhatsApp template {template} ({language}) is {status} at Meta. Sends with it are refused "
			"until Meta approves it again: edit and resubmit the template, or choose another one."
		)
	return reason.format(template=template, language=language, status=status, detail=detail)


def edit_refusal(status: str | None) -> str | None:
	"""Why an already submitted template cannot be edited now, or None."""
	current = (status or "").upper()
	if not current or current == DRAFT or current in EDITABLE:
		return None
	if current == PENDING or current == "IN_APPEAL":
		return _(
			"Meta is reviewing this template ({status}); wait for its decision before editing it."
		).format(status=current)
	return _("Meta does not take edits of a {status} template; create a new one instead.").format(
		status=current
	)


def unusable(template: str, language: str | None, status: str | None) -> str | None:
	"""Why a template cannot be sent now (Meta paused, disabled or rejected it, ...), or None."""
	if not blocks_sending(status):
		return None
	return _(
		"Template {template} ({language}) is {status} at Meta and cannot be sent: choose an "
		"approved template, or wait until Meta approves it again."
	).format(template=template, language=language or "?", status=status)
