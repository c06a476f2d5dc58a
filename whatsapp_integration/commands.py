"""Bench commands of the app (Frappe finds the `commands` list in `<app>/commands.py`)."""

from __future__ import annotations

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


commands = [whatsapp_web_host]
