// One message of a thread as a bubble: its content by kind (text, media, location, contacts,
// reaction, template), the message it answers, its time and ticks, Reply and (failed) Retry.

import { button, el, formatted, number_el, preview_of, safe_url, time_el } from "./helpers";

const TICKS = { Queued: "🕓", Sent: "✓", Delivered: "✓✓", Read: "✓✓", Failed: "⚠" };

const media = (message) => {
	const kind = message.message_type;
	const url = safe_url(message.media_file || message.media_file_url || message.media_link);
	if (!url) return media_state(message);
	let node;
	if (kind === "image" || kind === "sticker") {
		node = el("img", `wa-media wa-${kind}`);
		node.alt = message.media_caption || __("Image");
	} else if (kind === "audio" || kind === "video") {
		node = el(kind, "wa-media");
		node.controls = true;
		node.preload = "metadata";
	} else {
		node = el("a", "wa-document", message.media_filename || __("Download document"));
		node.href = url;
		node.download = message.media_filename || "";
		node.target = "_blank";
		node.rel = "noopener";
		return node;
	}
	node.src = url;
	return node;
};

const media_state = (message) => {
	const status = message.media_status;
	if (status === "Failed" || status === "Refused") {
		const reason = message.media_error || __("The file could not be downloaded.");
		return el("div", "wa-media-error text-danger", `${__(status)}: ${reason}`);
	}
	const label = status === "Pending" ? __("Downloading {0}…", [__(message.message_type)]) : "";
	return el("div", "wa-media-pending text-muted", label || __(message.message_type));
};

const location = (message) => {
	const box = el("div", "wa-location");
	const lat = message.location_latitude;
	const lon = message.location_longitude;
	const link = el("a", "", message.location_name || __("Location"));
	link.href = `https://www.openstreetmap.org/?mlat=${Number(lat)}&mlon=${Number(
		lon
	)}#map=16/${Number(lat)}/${Number(lon)}`;
	link.target = "_blank";
	link.rel = "noopener";
	box.append(el("span", "", "📍 "), link);
	if (message.location_address) box.append(el("div", "text-muted", message.location_address));
	return box;
};

const contact_cards = (message) => {
	const box = el("div", "wa-contacts");
	for (const card of message.shared_contacts || []) {
		const node = el("div", "wa-contact-card");
		node.append(el("div", "wa-contact-name", `👤 ${card.name || __("Contact")}`));
		if (card.organization) node.append(el("div", "text-muted", card.organization));
		for (const phone of card.phones || [])
			node.append(number_el("div", "wa-contact-phone", phone.phone));
		for (const email of card.emails || []) node.append(el("div", "", email));
		box.append(node);
	}
	return box;
};

const content = (message) => {
	const kind = message.message_type;
	const box = el("div", "wa-content");
	if (["image", "sticker", "audio", "video", "document"].includes(kind)) {
		box.append(media(message));
		if (message.media_caption) box.append(formatted(message.media_caption));
	} else if (kind === "location") {
		box.append(location(message));
	} else if (kind === "contacts") {
		box.append(contact_cards(message));
	} else if (kind === "reaction") {
		box.append(
			el("div", "wa-reaction-note", __("Reacted {0}", [message.reaction_emoji || "∅"]))
		);
	} else if (kind === "template") {
		box.append(
			el("div", "wa-template text-muted", __("Template {0}", [message.template_name]))
		);
		if (message.text) box.append(formatted(message.text));
	} else {
		box.append(formatted(message.text || message.reply_title || ""));
	}
	return box;
};

const quote = (quoted, on_click) => {
	const box = el("div", "wa-quote");
	const who = quoted.direction === "Inbound" ? __("Customer") : __("You");
	box.append(el("div", "wa-quote-who", who), el("div", "wa-quote-text", preview_of(quoted)));
	box.addEventListener("click", () => on_click(quoted.name));
	return box;
};

const footer = (message, actions) => {
	const meta = el("div", "wa-meta");
	// A customer's message at the time they sent it (it may arrive later), ours when logged.
	const at = message.received_at || message.created_at;
	meta.append(time_el("wa-time", at));
	if (message.direction === "Outbound") {
		const tick = el("span", `wa-tick wa-tick-${(message.status || "").toLowerCase()}`);
		tick.textContent = TICKS[message.status] || "";
		tick.title = __(message.status);
		meta.append(tick);
	}
	meta.append(button(__("Reply"), "btn-link wa-reply-action", () => actions.reply(message)));
	return meta;
};

const failure = (message, actions) => {
	const box = el("div", "wa-failure text-danger");
	const reason = message.error_reason || message.error_title || __("Sending failed.");
	box.append(el("div", "", reason));
	box.append(button(__("Retry"), "btn-default wa-retry", () => actions.retry(message)));
	return box;
};

export const bubble = (message, actions) => {
	const outbound = message.direction === "Outbound";
	const row = el("div", `wa-row ${outbound ? "wa-out" : "wa-in"}`);
	row.dataset.name = message.name;
	const box = el("div", "wa-bubble");
	if (message.quoted) box.append(quote(message.quoted, actions.scroll_to));
	box.append(content(message));
	if (message.reactions && message.reactions.length) {
		box.append(el("div", "wa-reactions", message.reactions.join(" ")));
	}
	if (outbound && message.status === "Failed") box.append(failure(message, actions));
	box.append(footer(message, actions));
	row.append(box);
	return row;
};
