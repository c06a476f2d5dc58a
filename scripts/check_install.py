"""Installs the app on a new site the way an admin does and checks the site is complete.

Run as the bench user from the sites folder:
	cd <bench>/sites && ../env/bin/python <app>/scripts/check_install.py --site install-check.localhost

It creates the site (`bench new-site`), fills the site's module-map cache as an existing site has
it before `bench get-app` added this app to apps.txt (the state in which `install-app` used to
report success and sync no DocType), runs `bench --site <site> install-app whatsapp_integration`,
then checks that every DocType of the app, its roles, its report and its workspace exist.
`--keep` leaves the site; otherwise it is dropped. Exits non-zero when something is missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import frappe

APP = "whatsapp_integration"
MODULE_FOLDER = Path(__file__).resolve().parent.parent / APP / APP


def bench(*args: str) -> None:
	subprocess.run(["bench", *args], cwd="..", check=True)


def connected(site: str):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	return frappe


def cache_module_map_without_the_app(site: str) -> None:
	connected(site)
	try:
		stale = {app: modules for app, modules in frappe.local.app_modules.items() if app != APP}
		frappe.cache.set_value("app_modules", stale)
	finally:
		frappe.destroy()


def expected(kind: str) -> set[str]:
	"""Names of the app's `kind` records (doctype, report, workspace) from their JSON files."""
	return {json.loads(path.read_text())["name"] for path in MODULE_FOLDER.glob(f"{kind}/*/*.json")}


def missing_records(site: str) -> list[str]:
	connected(site)
	try:
		missing = [
			f"{doctype} {name}"
			for doctype, folder in (("DocType", "doctype"), ("Report", "report"), ("Workspace", "workspace"))
			for name in sorted(expected(folder))
			if not frappe.db.exists(doctype, name)
		]
		missing += [
			f"Role {role}"
			for role in ("WhatsApp Manager", "WhatsApp User")
			if not frappe.db.exists("Role", role)
		]
		return missing
	finally:
		frappe.destroy()


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--site", default="install-check.localhost")
	parser.add_argument("--db-root-password", default="frappe")
	parser.add_argument("--keep", action="store_true", help="leave the site after the check")
	args = parser.parse_args()
	root_password = f"--db-root-password={args.db_root_password}"
	if Path(args.site).exists():
		bench("drop-site", args.site, root_password, "--no-backup", "--force")
	bench("new-site", args.site, "--admin-password", "admin", root_password)
	try:
		cache_module_map_without_the_app(args.site)
		bench("--site", args.site, "install-app", APP)
		missing = missing_records(args.site)
	finally:
		if not args.keep:
			bench("drop-site", args.site, root_password, "--no-backup", "--force")
	for record in missing:
		print(f"missing after install-app: {record}")
	print(
		"install check:",
		"FAILED" if missing else f"ok ({len(expected('doctype'))} DocTypes, roles, report, workspace)",
	)
	return 1 if missing else 0


if __name__ == "__main__":
	sys.exit(main())
