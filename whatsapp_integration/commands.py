"""Bench commands of the app (Frappe finds the `commands` list in `<app>/commands.py`)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from frappe.commands import get_site, pass_context


@click.command("whatsapp-web-host")
@click.option("--workers", default=8, show_default=True, help="Commands run at the same time.")
@pass_context
def whatsapp_web_host(context: click.Context, workers: int) -> None:
	"""Run the WhatsApp Web session host of a site: it owns every browser of the site's Web
	devices. Keep one running per site (Procfile / supervisor); stop it with SIGTERM."""
	import frappe

	from whatsapp_integration.site.web_host import run_host

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		run_host(workers=workers)
	finally:
		frappe.destroy()


@click.group("whatsapp")
def whatsapp() -> None:
	"""Operate WhatsApp on a site: doctor, send, link, status."""


@whatsapp.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (findings and exit_code) for scripts.")
@pass_context
def doctor(context: click.Context, as_json: bool) -> None:
	"""Check everything WhatsApp needs; each check ok, warning or failure with its fix. Exits 1
	when something fails."""
	from whatsapp_integration.site import cli

	sys.exit(_run(context, lambda: cli.doctor(as_json)))


@whatsapp.command("send")
@click.option("--to", required=True, help="The number, in international form (+49...).")
@click.option("--text", help="The text to send.")
@click.option("--template", help="An approved template's name (instead of --text).")
@click.option("--language", default="en_US", show_default=True, help="The template's language code.")
@click.option("--param", "parameters", multiple=True, help="A template body parameter (repeat in order).")
@click.option("--device", help="The WhatsApp Device (default: the default device).")
@pass_context
def send(
	context: click.Context,
	to: str,
	text: str | None,
	template: str | None,
	language: str,
	parameters: tuple[str, ...],
	device: str | None,
) -> None:
	"""Send one message through the outbox (logged, paced and retried like every send)."""
	from whatsapp_integration.site import cli

	sys.exit(_run(context, lambda: cli.send(to, text, device, template, language, parameters)))


@whatsapp.command("link")
@click.option("--device", required=True, help="The WhatsApp Device (mode Web) to link.")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait for the scan.")
@pass_context
def link(context: click.Context, device: str, timeout: float) -> None:
	"""Link a Web device: shows its QR code here (redrawn when WhatsApp rotates it) and waits
	for WORKING. The session host must be running."""
	from whatsapp_integration.site import cli

	sys.exit(_run(context, lambda: cli.link(device, timeout)))


@whatsapp.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object for scripts.")
@pass_context
def status(context: click.Context, as_json: bool) -> None:
	"""Devices, sessions, queues and the last hour's figures."""
	from whatsapp_integration.site import cli

	sys.exit(_run(context, lambda: cli.status(as_json)))


def _run(context: click.Context, command: Callable[[], int]) -> int:
	"""Run `command` on the site as Administrator; its exit code."""
	import frappe

	frappe.init(site=get_site(context))
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		return command()
	finally:
		frappe.destroy()


commands = [whatsapp_web_host, whatsapp]
