// What every part of the chat page uses: its API calls, DOM nodes made from text (textContent,
// never HTML), WhatsApp formatting on escaped text, times, names and numbers in their direction.

const API = "whatsapp_integration.api.conversations.";

export const get = (method, args) =>
	frappe.call({ method: API + method, args, type: "GET" }).then((r) => r.message);
export const post = (method, args) =>
	frappe.call({ method: API + method, args }).then((r) => r.message);

export const el = (tag, className, text) => {
	const node = document.createElement(tag);
	if (className) node.className = className;
	if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
	return node;
};

export const button = (label, className, action) => {
	const node = el("button", `btn btn-xs ${className || "btn-default"}`, label);
	node.type = "button";
	node.addEventListener("click", action);
	return node;
};

// WhatsApp formatting on escaped text: the captured groups hold no "<", so the only tags are ours.
export const formatted = (text, className = "wa-text") => {
	const html = frappe.utils
		.escape_html(text || "")
		.replace(/```([\s\S]+?)```/g, "<code>$1</code>")
		.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,!?:;])/g, "$1<b>$2</b>")
		.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;])/g, "$1<i>$2</i>")
		.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,!?:;])/g, "$1<s>$2</s>")
		.replace(/\n/g, "<br>");
	const node = el("div", className);
	node.innerHTML = html;
	node.dir = "auto"; // a customer's text in its own direction, also inside a right-to-left desk
	return node;
};

// A conversation's name in its own direction; without a name, its number left to right.
export const name_el = (className, row) => {
	const node = el("span", className, conversation_name(row));
	node.dir = row.title ? "auto" : "ltr";
	return node;
};

// Phone numbers read left to right also inside Persian or Arabic text.
export const number_el = (tag, className, number) => {
	const node = el(tag, className, number);
	node.dir = "ltr";
	return node;
};

// Files of this site, or the public http(s) link an outbound media message was sent from.
export const safe_url = (url) =>
	/^(\/private)?\/files\/|^https?:\/\//.test(url || "") ? url : null;

// Stored in the system time zone; shown in the user's.
export const time = (stamp, with_date) => {
	if (!stamp) return "";
	const local = frappe.datetime.convert_to_user_tz(String(stamp).replace("T", " "));
	return moment(local).format(with_date ? "D MMM HH:mm" : "HH:mm");
};

// A time in the direction of its words ("30 Nov 08:12" left to right also in a Persian desk).
export const time_el = (className, stamp) => {
	const node = el("span", className, time(stamp, true));
	node.dir = "auto";
	return node;
};

export const conversation_name = (row) => row.title || row.contact_number || row.name;

export const preview_of = (message) => {
	if (message.text) return message.text;
	if (message.media_caption) return message.media_caption;
	if (message.template_name) return __("Template {0}", [message.template_name]);
	return message.message_type ? __(frappe.utils.to_title_case(message.message_type)) : "";
};
