"""The desk forms of `browser_checks.py`: the WhatsApp Device form (a stored QR that is no PNG
data URL, a session linked by another phone, number health) and the WhatsApp Template form's
preview (text and image headers). Customer/Meta text carrying HTML shows as text.
"""

from __future__ import annotations

import argparse
import io

from browser_support import (
	MARKUP,
	Desk,
	bench_execute,
	screenshot,
	settle,
	show_literally,
	unique_suffix,
	wait_for,
	wait_for_text,
)
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

DEVICE = "WA Browser Check Device"
OFFICIAL_DEVICE = "WA Browser Check Official"
NUMBER = "+919876543210"  # the customer of the checks (their Contact, the devices' number)
LINKED_BY = "+4915112345678"


def ensure_device(desk: Desk) -> None:
	"""A Web device of the checks; it stays disabled, so no session host links it."""
	if not desk.call(
		"GET", "/api/resource/WhatsApp Device", params={"filters": f'[["name","=","{DEVICE}"]]'}
	)["data"]:
		doc = {"device_name": DEVICE, "mode": "Web", "enabled": 0, "phone_number": NUMBER, "is_default": 0}
		desk.call("POST", "/api/resource/WhatsApp Device", json=doc)


def check_device_form(driver: WebDriver, base: str, desk: Desk, args: argparse.Namespace) -> None:
	"""A stored QR that is no PNG data URL is not drawn (its src cannot run script), and a session
	linked by another phone shows the mismatch."""
	ensure_device(desk)
	session = {
		"web_state": "SCAN_QR_CODE",
		"web_qr_image": 'x" onerror="window.__xss=1',
		"web_linked_number": LINKED_BY,
		"web_number_mismatch": 1,
	}
	bench_execute(args, "frappe.db.set_value", "WhatsApp Device", DEVICE, session)
	driver.get(f"{base}/app/whatsapp-device/{DEVICE}")
	show_literally(driver, ".form-message", f"Linked by {LINKED_BY}", "Device form", "device-form.png")
	drawn = driver.find_elements(By.CSS_SELECTOR, ".whatsapp-qr img")
	assert not drawn, "the Device form drew a QR that is no PNG data URL"


def check_number_health(driver: WebDriver, base: str, desk: Desk, args: argparse.Namespace) -> None:
	"""An Official device shows Meta's quality rating and messaging limit as indicators and the
	last failed health check's error (Meta's words) literally."""
	if not desk.call(
		"GET", "/api/resource/WhatsApp Device", params={"filters": f'[["name","=","{OFFICIAL_DEVICE}"]]'}
	)["data"]:
		doc = {"device_name": OFFICIAL_DEVICE, "mode": "Official", "enabled": 0}
		doc["phone_number_id"] = "109800700600"
		desk.call("POST", "/api/resource/WhatsApp Device", json=doc)
	health = {"quality_rating": "RED", "messaging_limit_tier": "TIER_1K", "number_status": "FLAGGED"}
	health["health_error"] = f"Meta said {MARKUP}"
	bench_execute(args, "frappe.db.set_value", "WhatsApp Device", OFFICIAL_DEVICE, health)
	driver.get(f"{base}/app/whatsapp-device/{OFFICIAL_DEVICE}")
	wait_for_text(driver, ".form-dashboard", "Quality: RED")
	wait_for_text(driver, ".form-dashboard", "Messaging limit: TIER_1K")
	show_literally(driver, ".form-message", f"Meta said {MARKUP}", "Device form", "device-number-health.png")


def check_template_form(driver: WebDriver, base: str, desk: Desk) -> None:
	"""The template form's preview: a WhatsApp bubble with header, body (examples in place of the
	variables), footer and buttons; example values carrying HTML are shown as text."""
	name = f"browser_check_preview_{unique_suffix()}"
	doc = {
		"template_name": name,
		"language": "en_US",
		"category": "MARKETING",
		"header_format": "TEXT",
		"header_text": "Your order {{1}}",
		"header_example": "SO-0001",
		"body": "Hi {{1}}, your order is *ready*. Use code {{2}} for _10% off_ your next order.",
		"body_examples": f"Ada {MARKUP}\nSAVE10",
		"footer": "Reply STOP to unsubscribe",
		"buttons": [
			{"button_type": "QUICK_REPLY", "text": "Thanks!"},
			{
				"button_type": "URL",
				"text": "Track order",
				"url": "https://example.com/t/{{1}}",
				"url_example": "SO-1",
			},
			{"button_type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550100200"},
		],
	}
	created = desk.call("POST", "/api/resource/WhatsApp Template", json=doc)["data"]["name"]
	driver.get(f"{base}/app/whatsapp-template/{created}")
	wait_for(driver, ".wa-preview .wa-bubble")
	driver.execute_script("document.querySelector('.wa-preview').scrollIntoView({block: 'center'})")
	# Frappe drops the onerror attribute on save; what is left must still show as text
	show_literally(driver, ".wa-preview .wa-body", "Ada <img src=", "Template preview", "template-form.png")
	assert not driver.find_elements(By.CSS_SELECTOR, ".wa-preview .wa-body img"), "an example became HTML"
	for text in ("Your order SO-0001", "Reply STOP to unsubscribe", "Track order", "Call us"):
		wait_for_text(driver, ".wa-preview", text)
	check_image_header_preview(driver, base, desk)


def check_image_header_preview(driver: WebDriver, base: str, desk: Desk) -> None:
	"""An image header shows its sample (a site file) in the bubble."""
	image = io.BytesIO()
	Image.new("RGB", (480, 240), (37, 211, 102)).save(image, format="PNG")
	uploaded = desk.http.post(
		f"{desk.url}/api/method/upload_file",
		files={"file": ("template-sample.png", image.getvalue(), "image/png")},
		data={"is_private": "0"},
	)
	uploaded.raise_for_status()
	doc = {
		"template_name": f"browser_check_image_{unique_suffix()}",
		"language": "en_US",
		"category": "MARKETING",
		"header_format": "IMAGE",
		"header_sample": uploaded.json()["message"]["file_url"],
		"body": "New arrivals are in, {{1}}! Show this message in store for a gift.",
		"body_examples": "Ada",
		"buttons": [{"button_type": "COPY_CODE", "example": "GIFT24"}],
	}
	created = desk.call("POST", "/api/resource/WhatsApp Template", json=doc)["data"]["name"]
	driver.get(f"{base}/app/whatsapp-template/{created}")
	wait_for(driver, ".wa-preview .wa-media img")
	driver.execute_script("document.querySelector('.wa-preview').scrollIntoView({block: 'center'})")
	settle()
	screenshot(driver, "template-form-image.png")
