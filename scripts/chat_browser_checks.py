"""Browser checks of the chat page (/app/whatsapp-chat) in headless Chromium against a running
`bench serve`, with Meta played by a fake Graph API started here and an RQ worker started here
(it applies the webhooks, downloads inbound media and sends read receipts); screenshots go to
test-artifacts/chat-*.png.

	# realtime needs Frappe's socket.io server (node apps/frappe/socketio.js) and DEV_SERVER; name the
	# site: a bench with a default_site serves that one to every Host
	su - frappe -c "cd $BENCH && DEV_SERVER=true bench --site a2.localhost serve --port 8012"
	.venv/bin/python scripts/chat_browser_checks.py --url http://127.0.0.1:8012 --site a2.localhost \\
		--bench /opt/frappe-bench --graph-port 8712

Checks, each against this run's own device, customers and messages:
- inbound: an open conversation shows a new text and an image (downloaded in the background)
  without a reload; customer text carrying HTML stays text;
- reply: a reply to the first message, sent from the composer, carries Meta's context and shows
  the message it answers, then ✓, ✓✓ and blue ✓✓ as status webhooks arrive,
  and opening the conversation sent Meta a read receipt;
- window: a customer who wrote 2 days ago gets the template picker instead of the text box (a
  template with its parameters goes out from it),
  and the text box back when they write again;
- contact: the Contact's WhatsApp Chat button opens its conversation, and so does the
  conversation form's Open in chat;
- sandbox: on a Sandbox device, *Simulate reply* makes the customer write into the open chat;
- user: a WhatsApp User sees the conversation assigned to them and not another one.
Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import (
	ARTIFACTS,
	MARKUP,
	TEMPLATE,
	Desk,
	argument_parser,
	as_bench_user,
	assert_no_script_ran,
	bench_execute,
	browser,
	fake_meta,
	screenshot,
	settle,
	wait_for,
	wait_for_text,
	wait_until,
)

from whatsapp_integration.testing import fake_graph_chat, fake_graph_media
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.fake_graph import FakeGraphApi

TOKEN = "chat-check-token"
APP_SECRET = "chat-check-app-secret"
LOG = "WhatsApp Message Log"
CONVERSATION = "WhatsApp Conversation"
CHAT_USER = "wa-chat-check@example.com"
USER_PASSWORD = "Chat-check-pw-2026!"
PAGE = "/app/whatsapp-chat"
CHECKS = ("inbound", "reply", "window", "contact", "sandbox", "user")


class Run:
	"""This run's site, fake Meta, device and customers."""

	def __init__(self, args: argparse.Namespace, desk: Desk, graph: FakeGraphApi) -> None:
		self.args, self.desk, self.graph = args, desk, graph
		self.id = time.strftime("%H%M%S")
		self.phone_number_id = "7" + str(time.time_ns())[-14:]
		self.device = f"WA Chat Check {self.id}"
		self.customer = "49176" + str(time.time_ns())[-8:]
		self.late_customer = "49177" + str(time.time_ns())[-8:]
		self.contact = f"WA Chat Check {self.id}"

	def set_up(self) -> None:
		device = {"device_name": self.device, "mode": "Official", "enabled": 1, "is_default": 0}
		device |= {"phone_number_id": self.phone_number_id, "phone_number": "+14155552671"}
		self.desk.call("POST", "/api/resource/WhatsApp Device", json=device)
		phones = [{"phone": "+" + self.customer, "is_primary_mobile_no": 1}]
		contact = {"first_name": self.contact, "phone_nos": phones}
		self.contact = self.desk.call("POST", "/api/resource/Contact", json=contact)["data"]["name"]
		self.template = self.desk.template()

	def webhook(self, messages: list | None = None, statuses: list | None = None, number: str = "") -> None:
		contacts = [payloads.contact(number, "Ada <b>Lovelace</b>")] if number else None
		change = payloads.messages_change(
			messages, statuses, contacts=contacts, phone_number_id=self.phone_number_id
		)
		raw, signature = payloads.signed(payloads.envelope([change]), APP_SECRET)
		response = self.desk.http.post(
			f"{self.desk.url}/api/method/whatsapp_integration.api.webhook.receive",
			data=raw,
			headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
		)
		response.raise_for_status()
		# What the queued drain job does; run here so a busy shared queue does not hold it up.
		bench_execute(self.args, "whatsapp_integration.tasks.drain_webhook_inbox")

	def customer_writes(self, number: str, text: str, at: float | None = None, **extra: Any) -> str:
		"""Post a text (or `extra` content) from `number`; returns its wamid once it is logged."""
		wamid = f"wamid.CHAT{time.time_ns()}"
		stamp = str(int(at or time.time()))
		if extra:
			message = payloads.message(wamid, extra.pop("kind"), extra, wa_id=number, timestamp=stamp)
		else:
			message = payloads.text_message(wamid, text, wa_id=number, timestamp=stamp)
		self.webhook([message], number=number)
		self.log(wamid)
		return wamid

	def log(self, wamid: str, timeout: float = 60) -> dict[str, Any]:
		fields = '["name","conversation","status","media_status"]'
		params = {"filters": json.dumps([["wamid", "=", wamid]]), "fields": fields}
		return wait_until(lambda: self.first_log(params), f"Message Log of {wamid}", timeout)

	def first_log(self, params: dict[str, str]) -> dict[str, Any] | None:
		return (self.desk.call("GET", f"/api/resource/{LOG}", params=params)["data"] or [None])[0]

	def newest_inbound_wamid(self) -> str:
		params = {
			"filters": json.dumps([["device", "=", self.device], ["direction", "=", "Inbound"]]),
			"fields": '["wamid"]',
			"order_by": "creation desc",
			"limit_page_length": "1",
		}
		return self.desk.call("GET", f"/api/resource/{LOG}", params=params)["data"][0]["wamid"]

	def outbound(self, conversation: str, text: str) -> dict[str, Any]:
		filters = [["conversation", "=", conversation], ["direction", "=", "Outbound"], ["text", "=", text]]
		filters.append(["wamid", "is", "set"])  # Meta accepted it
		params = {"filters": json.dumps(filters), "fields": '["name","wamid","status"]'}
		return wait_until(lambda: self.first_log(params), f"the reply {text!r}")


def photo() -> bytes:
	"""The customer's photo: a 240 x 160 PNG."""
	image = Image.new("RGB", (240, 160), (37, 211, 102))
	ImageDraw.Draw(image).rectangle((60, 40, 180, 120), fill=(255, 255, 255))
	buffer = io.BytesIO()
	image.save(buffer, format="PNG")
	return buffer.getvalue()


def open_conversation(driver: WebDriver, base: str, conversation: str, search: str = "") -> None:
	"""Open the chat page, find the conversation in the list (by a search when given), click it."""
	driver.get(f"{base}{PAGE}")
	if search:
		wait_for(driver, ".wa-search").send_keys(search)
	item = wait_for(driver, f".wa-list-item[data-name='{conversation}']")
	item.click()
	wait_for(driver, ".wa-thread-name")


def check_inbound(driver: WebDriver, run: Run) -> str:
	first = run.first_wamid = run.customer_writes(run.customer, f"Hello from the chat check {run.id}")
	conversation = run.log(first)["conversation"]
	open_conversation(driver, run.desk.site_url, conversation)
	wait_for_text(driver, ".wa-messages", f"Hello from the chat check {run.id}")
	driver.execute_script("window.__loaded_once = 1")
	text = f"Second message {MARKUP} {run.id}"
	run.customer_writes(run.customer, text)
	media_id = str(time.time_ns())[-15:]
	fake_graph_media.add_media(run.graph, media_id, photo(), "image/png")
	image = {"kind": "image", "image": {"id": media_id, "mime_type": "image/png", "caption": "My order"}}
	image_wamid = run.customer_writes(run.customer, "", **image)
	# What the queued download job does (a busy shared queue must not hold the check up).
	bench_execute(run.args, "whatsapp_integration.tasks.download_inbound_media", image_wamid)
	wait_for_text(driver, ".wa-messages", text)
	wait_until(
		lambda: driver.execute_script(
			"const i = document.querySelector('.wa-messages img.wa-image');"
			"return i && i.complete && i.naturalWidth > 0"
		),
		"the customer's image in the open chat",
		90,
	)
	assert driver.execute_script("return window.__loaded_once") == 1, "the page reloaded"
	assert_no_script_ran(driver, "chat thread")
	settle()
	screenshot(driver, "chat-inbound.png")
	return conversation


def check_reply(driver: WebDriver, run: Run, conversation: str) -> None:
	text = f"Thanks, it ships today {run.id}"
	answered = driver.find_element(By.CSS_SELECTOR, ".wa-in .wa-reply-action")  # the first message
	driver.execute_script("arguments[0].click()", answered)  # shown on hover
	wait_for(driver, ".wa-replying .wa-replying-text")
	driver.find_element(By.CSS_SELECTOR, ".wa-input").send_keys(text)
	driver.find_element(By.CSS_SELECTOR, ".wa-send").click()
	wait_for_text(driver, ".wa-out", text)
	reply = run.outbound(conversation, text)
	sent = next(
		r.body for r in run.graph.message_requests() if (r.body.get("text") or {}).get("body") == text
	)
	assert sent["context"] == {"message_id": run.first_wamid}, f"the reply answers {sent.get('context')}"
	wait_for_text(
		driver, f".wa-row[data-name='{reply['name']}'] .wa-quote", f"Hello from the chat check {run.id}"
	)
	wait_for(driver, f".wa-row[data-name='{reply['name']}'] .wa-tick-sent")
	for state in ("delivered", "read"):
		run.webhook(statuses=[payloads.status(reply["wamid"], state, int(time.time()), run.customer)])
		wait_for(driver, f".wa-row[data-name='{reply['name']}'] .wa-tick-{state}", 60)
	check_read_receipt(run)
	settle()
	screenshot(driver, "chat-reply-ticks.png")


def check_read_receipt(run: Run) -> None:
	"""Opening the conversation queued a read receipt job; on a busy shared queue it may still wait
	after a minute: then it runs here (the job's own function) and must reach Meta."""

	def receipts() -> list:
		return [r for r in run.graph.requests if isinstance(r.body, dict) and r.body.get("status") == "read"]

	try:
		wait_until(receipts, "the read receipt job (queued when the conversation was opened)", 60)
	except AssertionError:
		print("the read receipt job is still queued behind other work: running it here")
		wamid = run.newest_inbound_wamid()
		bench_execute(run.args, "whatsapp_integration.site.chat.send_read_receipt", run.device, wamid)
		assert receipts(), "the read receipt did not reach Meta"


def check_window(driver: WebDriver, run: Run) -> str:
	wamid = run.customer_writes(run.late_customer, "Hi, anyone?", at=time.time() - 2 * 24 * 3600)
	conversation = run.log(wamid)["conversation"]
	open_conversation(driver, run.desk.site_url, conversation, search=run.late_customer[-8:])
	wait_for(driver, ".wa-window-closed")
	assert not driver.find_element(By.CSS_SELECTOR, ".wa-editor").is_displayed(), "text box offered"
	driver.find_element(By.CSS_SELECTOR, ".wa-template-closed").click()
	wait_for_text(driver, ".modal.show .modal-title", "Send a template")
	driver.execute_script("cur_dialog.set_value('template', arguments[0])", run.template)
	wait_for(driver, ".modal.show .wa-template-body")
	wait_for(driver, ".modal.show textarea[data-fieldname='parameters']").send_keys("Ada\nSO-0001")
	settle()
	screenshot(driver, "chat-window-closed.png")
	driver.find_element(By.CSS_SELECTOR, ".modal.show .modal-footer .btn-primary").click()
	sent = wait_until(
		lambda: [
			r.body["template"] for r in run.graph.message_requests() if r.body.get("to") == run.late_customer
		],
		"the template sent from the picker",
	)[0]
	values = [p["text"] for p in sent["components"][0]["parameters"]]
	assert (sent["name"], values) == (TEMPLATE, ["Ada", "SO-0001"]), sent
	run.customer_writes(run.late_customer, "Hello again")  # the window opens again
	wait_for(driver, ".wa-editor .wa-input")
	assert not driver.find_element(By.CSS_SELECTOR, ".wa-window-closed").is_displayed(), "still closed"
	return conversation


def check_contact(driver: WebDriver, run: Run, conversation: str) -> None:
	driver.get(f"{run.desk.site_url}/app/contact/{run.contact}")
	wait_for(driver, "button[data-label='WhatsApp%20Chat']").click()
	wait_for(driver, f".wa-list-item.active[data-name='{conversation}']")
	wait_for_text(driver, ".wa-linked", run.contact)
	settle()
	screenshot(driver, "chat-from-contact.png")
	driver.get(f"{run.desk.site_url}/app/whatsapp-conversation/{conversation}")
	button = wait_for(driver, "button[data-label='Open%20in%20chat']")
	driver.execute_script("arguments[0].click()", button)
	wait_for_text(driver, ".wa-thread-name", run.contact)


def check_sandbox(driver: WebDriver, run: Run) -> None:
	device = {"device_name": f"WA Chat Sandbox {run.id}", "mode": "Sandbox", "enabled": 1, "is_default": 0}
	device = run.desk.call("POST", "/api/resource/WhatsApp Device", json=device)["data"]["name"]
	number = "+49178" + str(time.time_ns())[-8:]
	method = "/api/method/whatsapp_integration.api.sandbox.simulate_reply"
	wamid = run.desk.call("POST", method, json={"device": device, "number": number, "text": "First"})
	bench_execute(run.args, "whatsapp_integration.tasks.drain_webhook_inbox")
	conversation = run.log(wamid["message"]["wamid"])["conversation"]
	open_conversation(driver, run.desk.site_url, conversation, search=number[-8:])
	driver.execute_script("arguments[0].click()", wait_for(driver, ".wa-simulate"))  # under the page head
	wait_for(driver, ".modal.show textarea[data-fieldname='text']").send_keys(f"Simulated {run.id}")
	driver.find_element(By.CSS_SELECTOR, ".modal.show .modal-footer .btn-primary").click()
	shown = f"Simulated {run.id}"

	def in_chat() -> bool:
		bench_execute(run.args, "whatsapp_integration.tasks.drain_webhook_inbox")  # the queued drain's work
		return shown in driver.find_element(By.CSS_SELECTOR, ".wa-messages").text

	wait_until(in_chat, "the simulated reply in the open chat")
	settle()
	screenshot(driver, "chat-sandbox.png")


def check_user(run: Run, mine: str, other: str) -> None:
	user = {"email": CHAT_USER, "first_name": "Chat check", "send_welcome_email": 0}
	found = run.desk.call(
		"GET", "/api/resource/User", params={"filters": json.dumps([["name", "=", CHAT_USER]])}
	)
	if not found["data"]:
		run.desk.call("POST", "/api/resource/User", json=user)
	roles = [{"role": "WhatsApp User"}]
	run.desk.call(
		"PUT", f"/api/resource/User/{CHAT_USER}", json={"roles": roles, "new_password": USER_PASSWORD}
	)
	run.desk.call("PUT", f"/api/resource/{CONVERSATION}/{mine}", json={"assigned_to": CHAT_USER})
	driver = browser(run.desk, run.args.site, USER_PASSWORD, user=CHAT_USER)
	try:
		driver.get(f"{run.desk.site_url}{PAGE}")
		wait_for(driver, f".wa-list-item[data-name='{mine}']")
		assert not driver.find_elements(By.CSS_SELECTOR, f".wa-list-item[data-name='{other}']"), (
			"a WhatsApp User sees a conversation that is not theirs"
		)
		driver.find_element(By.CSS_SELECTOR, f".wa-list-item[data-name='{mine}']").click()
		wait_for(driver, ".wa-thread-name")
		settle()
		screenshot(driver, "chat-whatsapp-user.png")
	finally:
		driver.quit()


def start_worker(args: argparse.Namespace) -> subprocess.Popen:
	"""An RQ worker of the bench (serves every site) for the run; stopped with its process group."""
	log = open(Path(tempfile.gettempdir()) / "chat-check-worker.log", "w")  # the run's lifetime
	command = f"cd {args.bench} && exec bench worker --queue short,default,long"
	return subprocess.Popen(
		as_bench_user(args, command), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
	)


def run_checks(args: argparse.Namespace, desk: Desk, graph: FakeGraphApi) -> None:
	run = Run(args, desk, graph)
	run.set_up()
	wanted = set(args.only or CHECKS)
	driver = browser(desk, args.site, args.password)
	try:
		mine = check_inbound(driver, run)
		print("ok: inbound")
		if "reply" in wanted:
			check_reply(driver, run, mine)
			print("ok: reply")
		other = check_window(driver, run)
		print("ok: window")
		if "contact" in wanted:
			check_contact(driver, run, mine)
			print("ok: contact")
		if "sandbox" in wanted:
			check_sandbox(driver, run)
			print("ok: sandbox")
	except Exception:
		screenshot(driver, "chat-failure.png")
		raise
	finally:
		driver.quit()
	if "user" in wanted:
		check_user(run, mine, other)
		print("ok: user")


def main() -> int:
	parser = argument_parser(__doc__.splitlines()[0], url="http://127.0.0.1:8012", site="a2.localhost")
	parser.add_argument("--graph-port", type=int, default=8712)
	parser.add_argument("--only", action="append", choices=CHECKS, help="(inbound and window always run)")
	args = parser.parse_args()
	ARTIFACTS.mkdir(exist_ok=True)
	assert fake_graph_chat.route and fake_graph_media.route  # their routes serve this run
	desk = Desk.of(args)
	worker = start_worker(args)
	try:
		secrets = {"app_secret": APP_SECRET, "send_read_receipts": 1}
		with fake_meta(desk, TOKEN, args.graph_port, **secrets) as graph:
			run_checks(args, desk, graph)
	finally:
		os.killpg(worker.pid, signal.SIGTERM)
		worker.wait(timeout=30)
	print(f"screenshots in {ARTIFACTS}")
	return 0


if __name__ == "__main__":
	sys.exit(main())
