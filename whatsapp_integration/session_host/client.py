"""The caller's side of the session host: web requests and workers talk to it through Redis."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import SessionHostUnavailable
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.interactive import Interactive
from whatsapp_integration.core.message import Media, Template
from whatsapp_integration.core.send_budget import web_send_budget
from whatsapp_integration.core.web.content import interactive_refused, media_as_text, template_refused
from whatsapp_integration.senders.base import SendReceipt
from whatsapp_integration.senders.factory import DeviceProfile, SenderBuilder
from whatsapp_integration.session_host.protocol import Command, keys, rebuild_error, reply_key

HOST_NOT_RUNNING = _(
	"The WhatsApp Web session host is not running, so Web devices cannot link or send. Start it "
	"with `bench --site {site} whatsapp-web-host` (or its line in the Procfile / supervisor)."
)


class HostClient:
	def __init__(self, client: Any, namespace: str, site: str = "<site>") -> None:
		self._redis = client
		self._namespace = namespace
		self._site = site

	def is_running(self) -> bool:
		return bool(self._redis.exists(keys(self._namespace)["heartbeat"]))

	def heartbeat(self) -> dict[str, Any] | None:
		"""The running host's heartbeat (`pid`, `host`, `at`); None when no host runs."""
		return self._read("heartbeat")

	def last_heartbeat(self) -> dict[str, Any] | None:
		"""The last heartbeat any host of this namespace wrote, also after it stopped."""
		return self._read("last_beat")

	def _read(self, key: str) -> dict[str, Any] | None:
		raw = self._redis.get(keys(self._namespace)[key])
		return json.loads(raw) if raw else None

	def call(self, action: str, device: str = "", timeout: float = 30.0, **args: Any) -> dict[str, Any]:
		"""Run `action` in the host and return its result; the host's errors are raised here as
		the same typed errors, and a missing or silent host raises `SessionHostUnavailable`."""
		if not self.is_running():
			raise SessionHostUnavailable(HOST_NOT_RUNNING.format(site=self._site))
		command = Command(action, device, args, deadline=time.time() + timeout)
		self._redis.lpush(keys(self._namespace)["commands"], command.encode())
		answer = self._redis.brpop(
			reply_key(self._namespace, command.id), timeout=max(1, int(timeout + 0.999))
		)
		if answer is None:
			raise SessionHostUnavailable(
				_(
					"The WhatsApp Web session host did not answer within {timeout:g} s. Check its log; "
					"the message (if any) stays queued and is retried."
				).format(timeout=timeout)
			)

		reply = json.loads(answer[1])
		if not reply.get("ok"):
			raise rebuild_error(reply)
		return reply.get("result") or {}


class HostSender:
	"""The WhatsAppSender a Web device gets in web and worker processes: each send is a
	command to the session host, which sends with a `WebSender` and reports back.
	`client` is called per send, so a sender cached across sites talks to the right host.

	The command carries the Message Log's idempotency key (the host never clicks send twice
	for one key) and the latest time for the click (`click_by`): the host refuses, unsent, a
	command that could not click in time, so nothing is sent after this caller gave up."""

	def __init__(self, client: Callable[[], HostClient], device: str, config: WhatsAppConfig) -> None:
		self._client = client
		self._device = device
		self._budget = web_send_budget(config)

	def send_text(
		self, to: str, text: str, *, callback_data: str | None = None, idempotency_key: str | None = None
	) -> SendReceipt:
		budget = self._budget
		result = self._client().call(
			"send",
			self._device,
			timeout=budget.worst_case,
			to=to,
			text=text,
			max_wait=budget.pacing_wait,
			click_by=time.time() + budget.before_click,
			key=idempotency_key,
		)
		return SendReceipt(message_id=result["message_id"], recipient_id=result.get("recipient_id"))

	def send_template(
		self,
		to: str,
		template: Template,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
	) -> SendReceipt:
		raise template_refused(template)

	def send_media(
		self, to: str, media: Media, *, callback_data: str | None = None, idempotency_key: str | None = None
	) -> SendReceipt:
		return self.send_text(to, media_as_text(media), idempotency_key=idempotency_key)

	def send_interactive(
		self,
		to: str,
		message: Interactive,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
	) -> SendReceipt:
		raise interactive_refused()


def web_sender_builder(client: Callable[[], HostClient]) -> SenderBuilder:
	"""The builder to `SenderFactory.register(DeviceMode.WEB, ...)`: Web devices send via the host."""

	def build(device: DeviceProfile, config: WhatsAppConfig) -> HostSender:
		return HostSender(client, device.name, config)

	return build
