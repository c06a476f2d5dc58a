"""WhatsApp Notification glue: the document hooks, the jobs they enqueue after commit, the
hourly date-rule run and the composition root of the notification service.

The save path does as little as possible: `on_document_event` (every DocType's after_insert,
on_update, on_submit, on_cancel, on_change and the Method hooks) looks up the enabled rules of
the document's DocType in a Redis hash (one cached lookup per DocType and request; no rules:
it returns at once), notes which of them the event fires, and registers one after-commit
callback. Only when the transaction commits is a job enqueued; it evaluates conditions,
renders and sends through the outbox. A rolled-back save enqueues nothing and no save makes an
HTTP call to Meta.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import frappe
from frappe import _
from frappe.model.document import Document as FrappeDocument
from frappe.utils import get_system_timezone, getdate

from whatsapp_integration.core.notification import dates
from whatsapp_integration.core.notification.events import (
	VALUE_CHANGE_HOOK,
	Trigger,
	event_occasion,
	fired,
	value_changed,
)
from whatsapp_integration.core.operations.alerts import Incident
from whatsapp_integration.core.vocabulary import NotificationEvent
from whatsapp_integration.operations.alerts import raise_incident
from whatsapp_integration.repositories import notifications as store
from whatsapp_integration.services.notifications import NotificationService
from whatsapp_integration.site import cache_keys
from whatsapp_integration.site.errors import user_errors
from whatsapp_integration.site.services import message_service
from whatsapp_integration.site.settings import get_config

RULES_KEY = cache_keys.name("notifications", "rules")
JOB = "whatsapp_integration.site.notifications.evaluate_document"
INDEX_JOB = "whatsapp_integration.site.notifications.ensure_date_index"
DATE_JOB = "whatsapp_integration.site.notifications.run_date_job"
QUEUE = "short"
NOTIFICATION_FAILED = "notification_failed"
_PENDING = "whatsapp_notifications_pending"
# The app's own DocTypes never fire rules (a rule on the Message Log would message itself).
_OWN_PREFIX = "WhatsApp "


def on_document_event(doc: FrappeDocument, method: str) -> None:
	"""doc_events "*" handler: note the rules `method` fires; enqueue them after commit."""
	if doc.doctype.startswith(_OWN_PREFIX) or _muted():
		return
	triggers = cached_triggers(doc.doctype)
	if not triggers:
		return
	before = doc.get_doc_before_save() if method == VALUE_CHANGE_HOOK else None
	hits = fired(
		triggers,
		method,
		is_insert=bool(doc.flags.in_insert),
		changed=lambda field: before is not None and value_changed(before.get(field), doc.get(field)),
	)
	if hits:
		_remember(doc, {trigger.rule: trigger.event for trigger in hits})


def notify_method(doc: FrappeDocument, method: str) -> None:
	"""Fire the Method rules named `method` for `doc` (for methods hooks.py does not wire)."""
	on_document_event(doc, method)


def _muted() -> bool:
	flags = frappe.flags
	return bool(flags.in_install or flags.in_patch or flags.in_migrate)


def cached_triggers(doctype: str) -> list[Trigger]:
	"""The enabled rules of `doctype` that documents' events fire (not the date rules)."""
	return frappe.cache.hget(RULES_KEY, doctype, lambda: store.event_triggers(doctype))


def clear_rules_cache() -> None:
	frappe.cache.delete_value(RULES_KEY)


def after_rule_change(rule: FrappeDocument) -> None:
	"""A rule was saved: saves see it at once; a date rule's field gets an index (added by a job
	after commit: adding one is DDL, which would commit the rule's transaction)."""
	clear_rules_cache()
	frappe.db.after_commit.add(clear_rules_cache)  # a save racing this commit may have cached the old rules
	if rule.event in NotificationEvent.dated() and rule.date_field:
		frappe.enqueue(
			INDEX_JOB,
			queue=QUEUE,
			enqueue_after_commit=True,
			doctype=rule.document_type,
			field=rule.date_field,
		)


def ensure_date_index(doctype: str, field: str) -> None:
	"""The job: index the date field of a date rule, so its daily range query stays fast."""
	if not _indexed(doctype, field):
		frappe.db.add_index(doctype, [field], f"whatsapp_{field}_index"[:64])


def _indexed(doctype: str, field: str) -> bool:
	"""Whether an index starts with `field` (Frappe's own search_index or one of ours)."""
	rows = frappe.db.sql(f"show index from `tab{doctype}` where Column_name=%s and Seq_in_index=1", field)
	return bool(rows)


def _remember(doc: FrappeDocument, rules: dict[str, str]) -> None:
	"""One job per document and transaction, with the last saved version's modified stamp."""
	pending = getattr(frappe.local, _PENDING, None)
	if pending is None:
		pending = {}
		setattr(frappe.local, _PENDING, pending)
		frappe.db.after_commit.add(_enqueue_pending)
		frappe.db.after_rollback.add(_forget_pending)
	entry = pending.setdefault((doc.doctype, doc.name), {"rules": {}})
	entry["rules"].update(rules)
	entry["modified"] = str(doc.modified)


def _forget_pending() -> None:
	setattr(frappe.local, _PENDING, None)


def _enqueue_pending() -> None:
	pending = getattr(frappe.local, _PENDING, None) or {}
	_forget_pending()
	for (doctype, name), entry in pending.items():
		try:
			frappe.enqueue(
				JOB,
				queue=QUEUE,
				job_id=job_id(doctype, name, entry["modified"]),
				doctype=doctype,
				name=name,
				rules=entry["rules"],
				modified=entry["modified"],
			)
		except Exception:
			frappe.log_error(title=_("WhatsApp Notification for {0} {1} not enqueued").format(doctype, name))


def job_id(doctype: str, name: str, modified: str) -> str:
	"""The evaluation job of one saved version of a document (one per transaction: `_remember`
	keeps one entry per document; no look-up for a queued twin, which would cost the save a Redis
	round trip: a second run would send nothing anyway)."""
	return f"whatsapp-notification::{doctype}::{name}::{modified}"


def evaluate_document(doctype: str, name: str, rules: dict[str, str], modified: str) -> None:
	"""The job: evaluate the fired rules for the committed document and send."""
	if not frappe.db.exists(doctype, name):
		return
	document = store.document(frappe.get_doc(doctype, name))
	service = notification_service()
	for rule_name, event in rules.items():
		rule = store.load_rule(rule_name)
		if rule is not None:
			service.notify(rule, document, event_occasion(event, modified))


def run_date_rules(now: datetime | None = None) -> int:
	"""Hourly: each enabled Days Before/After rule whose send time has come gets a job (queue long)
	that messages the documents of its day not messaged yet (a document created since the last run
	gets its message now; the others cost one key look-up); a job still queued or running is not
	queued again. Returns how many rules were due."""
	now = now or datetime.now(timezone.utc)
	due = 0
	for row in store.date_rules():
		window = dates.due_window(
			row.event, int(row.days or 0), store.time_of(row.send_time), now, get_system_timezone()
		)
		if window is None:
			continue
		frappe.enqueue(
			DATE_JOB,
			queue="long",
			job_id=date_job_id(row.name, window),
			deduplicate=True,
			rule_name=row.name,
			today=window.today.isoformat(),
			day=window.day.isoformat(),
		)
		due += 1
	return due


def date_job_id(rule_name: str, window: dates.DateWindow) -> str:
	return f"whatsapp-notification-date::{rule_name}::{window.occasion}"


def run_date_job(rule_name: str, today: str, day: str) -> None:
	"""The job of one date rule and day."""
	run_date_rule(rule_name, dates.day_window(getdate(today), getdate(day)))


def run_date_rule(rule_name: str, window: dates.DateWindow) -> None:
	rule = store.load_rule(rule_name)
	if rule is None:
		return
	documents = store.documents_on(rule_name, window)
	notification_service().notify_many(rule, documents, window.occasion)
	store.finish_window(rule_name, window.occasion)
	frappe.db.commit()  # nosemgrep: the run is recorded


def preview(rule_name: str, docname: str) -> dict[str, Any]:
	"""What rule `rule_name` would send for document `docname` (saved rule, enabled or not)."""
	rule = store.load_rule(rule_name, enabled_only=False)
	if rule is None:
		frappe.throw(
			_("WhatsApp Notification {0} does not exist.").format(rule_name), frappe.DoesNotExistError
		)
	frappe.has_permission(rule.document_type, "read", docname, throw=True)
	document = store.document(frappe.get_doc(rule.document_type, docname))
	with user_errors():
		shown = notification_service().preview(rule, document)
	made = shown.content
	return {
		"condition": shown.condition,
		"numbers": shown.numbers,
		"skipped": shown.skipped,
		"message_type": made.message_type,
		"text": made.text,
		"template": made.template.name if made.template else None,
		"language": made.template.language if made.template else None,
		"parameters": [p.text for p in made.template.body()] if made.template else [],
		"parameter_names": [p.name for p in made.template.body()] if made.template else [],
		"pdf_file_name": store.pdf_file_name(rule, document) if rule.attach_print else None,
	}


def activity(rule_name: str) -> dict[str, Any]:
	return store.activity(rule_name)


def notification_service() -> NotificationService:
	return NotificationService(
		store.FrappeNotificationSite(), message_service(), get_config().default_country, alert_broken_rule
	)


def alert_broken_rule(rule: str, reason: str) -> None:
	"""One alert per rule and incident TTL, to the WhatsApp Managers."""
	title = frappe.db.get_value(store.NOTIFICATION, rule, "title") or rule
	raise_incident(
		Incident(
			NOTIFICATION_FAILED,
			rule,
			_("WhatsApp Notification {0} fails").format(title),
			_(
				"WhatsApp Notification {0} ({1}) could not send: {2}. Every further document would fail the "
				"same way: fix the rule (its template, parameters or device) and check its recent messages."
			).format(title, rule, reason[:500]),
		)
	)
