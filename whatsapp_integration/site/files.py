"""The site's files as media to send: Frappe File URLs read for upload, and who may send which."""

from __future__ import annotations

import mimetypes

import frappe
from frappe import _
from frappe.model.document import Document

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.media import MediaFile, is_file_url


class FrappeFileReader:
	"""`senders.media.MediaFileReader` over Frappe's File: public and private files alike (who
	may send a private file is checked when the send is asked for: `check_can_send_file`)."""

	def read(self, file_url: str) -> MediaFile:
		doc = _file_doc(file_url)
		with open(doc.get_full_path(), "rb") as stream:
			content = stream.read()
		name = doc.file_name or file_url.rsplit("/", 1)[-1]
		return MediaFile(name, mimetypes.guess_type(name)[0] or "application/octet-stream", content)


def check_can_send_file(file_url: str | None) -> None:
	"""Raise unless the session user may read a File with this URL (private files: its owner or
	who may read the document it is attached to)."""
	if not file_url:
		return
	if not is_file_url(file_url):
		raise InvalidMessage(
			_("{0} is not a file of this site; give a File URL like /private/files/invoice.pdf.").format(
				file_url
			)
		)
	names = frappe.get_all("File", filters={"file_url": file_url, "is_folder": 0}, pluck="name")
	if not names:
		raise InvalidMessage(_("There is no File {0} on this site.").format(file_url))
	if not any(frappe.get_doc("File", name).is_downloadable() for name in names):
		raise frappe.PermissionError(_("You are not allowed to send the file {0}.").format(file_url))


def _file_doc(file_url: str) -> Document:
	name = frappe.db.get_value("File", {"file_url": file_url, "is_folder": 0}, "name")
	if not name:
		raise InvalidMessage(_("There is no File {0} on this site; attach it again.").format(file_url))
	return frappe.get_doc("File", name)
