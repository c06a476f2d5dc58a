// WhatsApp chat (/app/whatsapp-chat): the conversations the user may read and a thread pane to
// read and answer them. Everything a customer wrote is put in the page as text (textContent, or
// escaped before WhatsApp's *bold* _italic_ ~strike~ ```mono``` become tags), never as HTML.
// Data comes from whatsapp_integration.api.conversations; new messages and status changes arrive
// as the realtime event "whatsapp_chat" (sent only to users allowed to read the conversation).

frappe.provide("whatsapp_integration.chat");

(() => {
	const chat = whatsapp_integration.chat;
	const API = "whatsapp_integration.api.conversations.";
	const TICKS = { Queued: "🕓", Sent: "✓", Delivered: "✓✓", Read: "✓✓", Failed: "⚠" };
	const EMOJI = ["😀", "😂", "😊", "🙏", "👍", "❤️", "🎉", "✅"];

	chat.get = (method, args) =>
		frappe.call({ method: API + method, args, type: "GET" }).then((r) => r.message);
	chat.post = (method, args) =>
		frappe.call({ method: API + method, args }).then((r) => r.message);

	chat.el = (tag, className, text) => {
		const node = document.createElement(tag);
		if (className) node.className = className;
		if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
		return node;
	};

	chat.button = (label, className, action) => {
		const node = chat.el("button", `btn btn-xs ${className || "btn-default"}`, label);
		node.type = "button";
		node.addEventListener("click", action);
		return node;
	};

	// WhatsApp formatting on escaped text: the captured groups hold no "<", so the only tags are ours.
	chat.formatted = (text, className = "wa-text") => {
		const html = frappe.utils
			.escape_html(text || "")
			.replace(/```([\s\S]+?)```/g, "<code>$1</code>")
			.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,!?:;])/g, "$1<b>$2</b>")
			.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;])/g, "$1<i>$2</i>")
			.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,!?:;])/g, "$1<s>$2</s>")
			.replace(/\n/g, "<br>");
		const node = chat.el("div", className);
		node.innerHTML = html;
		node.dir = "auto"; // a customer's text in its own direction, also inside a right-to-left desk
		return node;
	};

	// A conversation's name in its own direction; without a name, its number left to right.
	chat.name_el = (className, row) => {
		const node = chat.el("span", className, chat.conversation_name(row));
		node.dir = row.title ? "auto" : "ltr";
		return node;
	};

	// Phone numbers read left to right also inside Persian or Arabic text.
	chat.number_el = (tag, className, number) => {
		const node = chat.el(tag, className, number);
		node.dir = "ltr";
		return node;
	};

	// Files of this site, or the public http(s) link an outbound media message was sent from.
	chat.safe_url = (url) => (/^(\/private)?\/files\/|^https?:\/\//.test(url || "") ? url : null);

	// Stored in the system time zone; shown in the user's.
	chat.time = (stamp, with_date) => {
		if (!stamp) return "";
		const local = frappe.datetime.convert_to_user_tz(String(stamp).replace("T", " "));
		return moment(local).format(with_date ? "D MMM HH:mm" : "HH:mm");
	};

	// A time in the direction of its words ("30 Nov 08:12" left to right also in a Persian desk).
	chat.time_el = (className, stamp) => {
		const node = chat.el("span", className, chat.time(stamp, true));
		node.dir = "auto";
		return node;
	};

	chat.conversation_name = (row) => row.title || row.contact_number || row.name;

	chat.preview_of = (message) => {
		if (message.text) return message.text;
		if (message.media_caption) return message.media_caption;
		if (message.template_name) return __("Template {0}", [message.template_name]);
		return message.message_type ? __(frappe.utils.to_title_case(message.message_type)) : "";
	};

	// ---- Bubbles -------------------------------------------------------------------------

	chat.media = (message) => {
		const kind = message.message_type;
		const url = chat.safe_url(
			message.media_file || message.media_file_url || message.media_link
		);
		if (!url) return chat.media_state(message);
		let node;
		if (kind === "image" || kind === "sticker") {
			node = chat.el("img", `wa-media wa-${kind}`);
			node.alt = message.media_caption || __("Image");
		} else if (kind === "audio" || kind === "video") {
			node = chat.el(kind, "wa-media");
			node.controls = true;
			node.preload = "metadata";
		} else {
			node = chat.el("a", "wa-document", message.media_filename || __("Download document"));
			node.href = url;
			node.download = message.media_filename || "";
			node.target = "_blank";
			node.rel = "noopener";
			return node;
		}
		node.src = url;
		return node;
	};

	chat.media_state = (message) => {
		const status = message.media_status;
		if (status === "Failed" || status === "Refused") {
			const reason = message.media_error || __("The file could not be downloaded.");
			return chat.el("div", "wa-media-error text-danger", `${__(status)}: ${reason}`);
		}
		const label =
			status === "Pending" ? __("Downloading {0}…", [__(message.message_type)]) : "";
		return chat.el("div", "wa-media-pending text-muted", label || __(message.message_type));
	};

	chat.location = (message) => {
		const box = chat.el("div", "wa-location");
		const lat = message.location_latitude;
		const lon = message.location_longitude;
		const link = chat.el("a", "", message.location_name || __("Location"));
		link.href = `https://www.openstreetmap.org/?mlat=${Number(lat)}&mlon=${Number(
			lon
		)}#map=16/${Number(lat)}/${Number(lon)}`;
		link.target = "_blank";
		link.rel = "noopener";
		box.append(chat.el("span", "", "📍 "), link);
		if (message.location_address)
			box.append(chat.el("div", "text-muted", message.location_address));
		return box;
	};

	chat.contact_cards = (message) => {
		const box = chat.el("div", "wa-contacts");
		for (const card of message.shared_contacts || []) {
			const node = chat.el("div", "wa-contact-card");
			node.append(chat.el("div", "wa-contact-name", `👤 ${card.name || __("Contact")}`));
			if (card.organization) node.append(chat.el("div", "text-muted", card.organization));
			for (const phone of card.phones || [])
				node.append(chat.number_el("div", "wa-contact-phone", phone.phone));
			for (const email of card.emails || []) node.append(chat.el("div", "", email));
			box.append(node);
		}
		return box;
	};

	chat.content = (message) => {
		const kind = message.message_type;
		const box = chat.el("div", "wa-content");
		if (["image", "sticker", "audio", "video", "document"].includes(kind)) {
			box.append(chat.media(message));
			if (message.media_caption) box.append(chat.formatted(message.media_caption));
		} else if (kind === "location") {
			box.append(chat.location(message));
		} else if (kind === "contacts") {
			box.append(chat.contact_cards(message));
		} else if (kind === "reaction") {
			box.append(
				chat.el(
					"div",
					"wa-reaction-note",
					__("Reacted {0}", [message.reaction_emoji || "∅"])
				)
			);
		} else if (kind === "template") {
			box.append(
				chat.el(
					"div",
					"wa-template text-muted",
					__("Template {0}", [message.template_name])
				)
			);
			if (message.text) box.append(chat.formatted(message.text));
		} else {
			box.append(chat.formatted(message.text || message.reply_title || ""));
		}
		return box;
	};

	chat.quote = (quoted, on_click) => {
		const box = chat.el("div", "wa-quote");
		const who = quoted.direction === "Inbound" ? __("Customer") : __("You");
		box.append(
			chat.el("div", "wa-quote-who", who),
			chat.el("div", "wa-quote-text", chat.preview_of(quoted))
		);
		box.addEventListener("click", () => on_click(quoted.name));
		return box;
	};

	chat.footer = (message, actions) => {
		const footer = chat.el("div", "wa-meta");
		// A customer's message at the time they sent it (it may arrive later), ours when logged.
		const at = message.received_at || message.created_at;
		footer.append(chat.time_el("wa-time", at));
		if (message.direction === "Outbound") {
			const tick = chat.el(
				"span",
				`wa-tick wa-tick-${(message.status || "").toLowerCase()}`
			);
			tick.textContent = TICKS[message.status] || "";
			tick.title = __(message.status);
			footer.append(tick);
		}
		footer.append(
			chat.button(__("Reply"), "btn-link wa-reply-action", () => actions.reply(message))
		);
		return footer;
	};

	chat.failure = (message, actions) => {
		const box = chat.el("div", "wa-failure text-danger");
		const reason = message.error_reason || message.error_title || __("Sending failed.");
		box.append(chat.el("div", "", reason));
		box.append(chat.button(__("Retry"), "btn-default wa-retry", () => actions.retry(message)));
		return box;
	};

	chat.bubble = (message, actions) => {
		const outbound = message.direction === "Outbound";
		const row = chat.el("div", `wa-row ${outbound ? "wa-out" : "wa-in"}`);
		row.dataset.name = message.name;
		const bubble = chat.el("div", "wa-bubble");
		if (message.quoted) bubble.append(chat.quote(message.quoted, actions.scroll_to));
		bubble.append(chat.content(message));
		if (message.reactions && message.reactions.length) {
			bubble.append(chat.el("div", "wa-reactions", message.reactions.join(" ")));
		}
		if (outbound && message.status === "Failed") bubble.append(chat.failure(message, actions));
		bubble.append(chat.footer(message, actions));
		row.append(bubble);
		return row;
	};

	// ---- Conversation list ---------------------------------------------------------------

	class ConversationList {
		constructor(parent, on_open) {
			this.on_open = on_open;
			this.filter = "all";
			this.device = "";
			this.search = "";
			this.rows = [];
			this.page_length = 20;
			this.make(parent);
		}

		make(parent) {
			this.wrapper = chat.el("div", "wa-list");
			this.toolbar = chat.el("div", "wa-list-toolbar");
			this.search_input = chat.el("input", "form-control input-xs wa-search");
			this.search_input.placeholder = __("Search name or number");
			this.search_input.addEventListener(
				"input",
				frappe.utils.debounce(() => this.set_search(), 300)
			);
			this.filters = chat.el("div", "wa-filters btn-group");
			for (const [key, label] of [
				["all", __("All")],
				["unread", __("Unread")],
				["mine", __("Assigned to me")],
			]) {
				const button = chat.button(label, "btn-default", () => this.set_filter(key));
				button.dataset.filter = key;
				this.filters.append(button);
			}
			this.device_select = chat.el("select", "form-control input-xs wa-device-filter");
			this.device_select.addEventListener("change", () => this.set_device());
			this.linked_chip = chat.el("div", "wa-linked hide");
			this.toolbar.append(
				this.search_input,
				this.filters,
				this.device_select,
				this.linked_chip
			);
			this.items = chat.el("div", "wa-list-items");
			this.more = chat.button(__("Load more"), "btn-default wa-load-more", () =>
				this.load(true)
			);
			this.wrapper.append(this.toolbar, this.items, this.more);
			parent.append(this.wrapper);
			this.load_devices();
		}

		async load_devices() {
			const devices = await frappe.db.get_list("WhatsApp Device", {
				fields: ["name"],
				limit: 100,
			});
			this.device_select.append(chat.el("option", "", __("All devices")));
			this.device_select.firstChild.value = "";
			for (const device of devices) {
				const option = chat.el("option", "", device.name);
				option.value = device.name;
				this.device_select.append(option);
			}
		}

		// Only the conversations of one document (the WhatsApp Chat button of its form).
		set_linked(linked) {
			this.linked = linked && linked.doctype && linked.docname ? linked : null;
			this.linked_chip.classList.toggle("hide", !this.linked);
			if (!this.linked) return;
			const label = `${__(this.linked.doctype)}: ${this.linked.docname}`;
			this.linked_chip.replaceChildren(
				chat.el("span", "", label),
				chat.button("×", "btn-link wa-clear-linked", () => {
					this.set_linked(null);
					this.load();
				})
			);
		}

		set_filter(key) {
			this.filter = key;
			this.load();
		}

		set_search() {
			this.search = this.search_input.value.trim();
			this.load();
		}

		set_device() {
			this.device = this.device_select.value;
			this.load();
		}

		async load(more = false) {
			// A refresh keeps as many rows as are shown (up to the API's 100).
			const shown = Math.min(Math.max(this.rows.length, this.page_length), 100);
			const page = await chat.get("conversations", {
				filter: this.filter,
				device: this.device,
				search: this.search,
				doctype: this.linked ? this.linked.doctype : null,
				docname: this.linked ? this.linked.docname : null,
				start: more ? this.rows.length : 0,
				page_length: more ? this.page_length : shown,
			});
			this.rows = more ? this.rows.concat(page.conversations) : page.conversations;
			this.more.classList.toggle("hide", !page.has_more);
			this.render();
		}

		render() {
			for (const button of this.filters.children) {
				button.classList.toggle("btn-primary", button.dataset.filter === this.filter);
			}
			this.items.replaceChildren(...this.rows.map((row) => this.item(row)));
			if (!this.rows.length)
				this.items.append(chat.el("div", "wa-empty text-muted", __("No conversations")));
		}

		item(row) {
			const item = chat.el("div", "wa-list-item");
			item.dataset.name = row.name;
			item.classList.toggle("active", row.name === this.active);
			const top = chat.el("div", "wa-item-top");
			top.append(chat.name_el("wa-item-title", row));
			top.append(chat.time_el("wa-item-time text-muted", row.last_message_at));
			const bottom = chat.el("div", "wa-item-bottom");
			const preview = chat.el("span", "wa-item-preview text-muted", row.last_message_preview);
			if (row.last_direction === "Outbound")
				preview.prepend(chat.el("span", "wa-arrow", "↪"), " ");
			bottom.append(preview);
			if (row.unread_count)
				bottom.append(chat.el("span", "wa-unread badge", row.unread_count));
			const about = chat.el("div", "wa-item-about text-muted");
			about.append(chat.el("span", "wa-item-device", row.device));
			if (row.assigned_to)
				about.append(chat.el("span", "wa-item-assignee", `· ${row.assigned_to}`));
			if (row.status === "Resolved")
				about.append(chat.el("span", "wa-item-resolved", `· ${__("Resolved")}`));
			item.append(top, bottom, about);
			item.addEventListener("click", () => this.on_open(row.name));
			return item;
		}

		mark_active(name) {
			this.active = name;
			for (const item of this.items.children)
				item.classList.toggle("active", item.dataset.name === name);
		}

		clear_unread(name) {
			const row = this.rows.find((candidate) => candidate.name === name);
			if (row && row.unread_count) {
				row.unread_count = 0;
				this.render();
			}
		}
	}

	chat.ConversationList = ConversationList;

	// ---- Thread --------------------------------------------------------------------------

	class Thread {
		constructor(parent, page) {
			this.page = page;
			this.wrapper = chat.el("div", "wa-thread");
			this.header = chat.el("div", "wa-thread-header");
			this.older = chat.button(__("Load older messages"), "btn-default wa-load-older", () =>
				this.load_older()
			);
			this.messages = chat.el("div", "wa-messages");
			this.composer_area = chat.el("div", "wa-composer-area");
			this.wrapper.append(this.header, this.messages, this.composer_area);
			parent.append(this.wrapper);
			this.composer = new chat.Composer(this.composer_area, this);
			this.actions = {
				reply: (message) => this.composer.reply_to(message),
				retry: (message) => this.retry(message),
				scroll_to: (name) => this.scroll_to(name),
			};
			this.show_empty();
		}

		show_empty() {
			this.name = null;
			this.header.replaceChildren(chat.el("div", "text-muted", __("Choose a conversation")));
			this.messages.replaceChildren();
			this.composer.hide();
		}

		async open(name) {
			this.name = name;
			this.pending_media = {};
			const page = await chat.get("thread", { conversation: name });
			if (this.name !== name) return;
			this.conversation = page.conversation;
			this.render_header(page.conversation);
			this.messages.replaceChildren(
				...page.messages.map((m) => chat.bubble(m, this.actions))
			);
			this.set_older(page.older);
			this.watch_media(page.messages);
			this.composer.show(page.conversation, page.window);
			this.scroll_to_end();
			this.mark_read();
		}

		render_header(conversation) {
			const title = chat.el("div", "wa-thread-title");
			title.append(chat.name_el("wa-thread-name", conversation));
			if (conversation.title && conversation.contact_number) {
				title.append(
					chat.number_el(
						"span",
						"wa-thread-number text-muted",
						conversation.contact_number
					)
				);
			}
			const about = chat.el("div", "wa-thread-about text-muted");
			about.append(chat.el("span", "", conversation.device));
			if (conversation.assigned_to)
				about.append(chat.el("span", "", `· ${conversation.assigned_to}`));
			about.append(
				chat.el("span", "wa-thread-status", `· ${__(conversation.status || "Open")}`)
			);
			const links = chat.el("div", "wa-thread-links");
			for (const [doctype, docname] of [
				["Contact", conversation.contact],
				[conversation.party_doctype, conversation.party_name],
			]) {
				if (!doctype || !docname) continue;
				links.append(
					chat.button(`${__(doctype)}: ${docname}`, "btn-link", () =>
						frappe.set_route("Form", doctype, docname)
					)
				);
			}
			this.header.replaceChildren(
				title,
				about,
				links,
				this.page.header_actions(conversation)
			);
		}

		set_older(cursor) {
			this.older_cursor = cursor;
			if (cursor) this.messages.prepend(this.older);
			else this.older.remove();
		}

		async load_older() {
			const name = this.name;
			const page = await chat.get("thread", {
				conversation: name,
				older: this.older_cursor,
			});
			if (this.name !== name) return;
			const first = this.older.nextSibling;
			const height = this.messages.scrollHeight;
			for (const message of page.messages) {
				this.messages.insertBefore(chat.bubble(message, this.actions), first);
			}
			this.set_older(page.older);
			this.watch_media(page.messages);
			this.messages.scrollTop = this.messages.scrollHeight - height;
		}

		// A realtime event named a new or changed message of this conversation.
		async refresh_message(name) {
			const conversation = this.name;
			const message = await chat.get("message", { conversation, name });
			if (this.name !== conversation) return;
			const row = chat.bubble(message, this.actions);
			const existing = this.row_of(name);
			const at_end = this.at_end();
			if (existing) existing.replaceWith(row);
			else this.messages.append(row);
			this.watch_media([message]);
			if (!existing && at_end) this.scroll_to_end();
			if (!existing && message.direction === "Inbound") {
				this.composer.customer_wrote();
				this.mark_read();
			}
			return message;
		}

		// Inbound files are downloaded in the background: ask again until they are in.
		watch_media(messages) {
			for (const message of messages) {
				if (message.media_status !== "Pending" || this.pending_media[message.name])
					continue;
				this.pending_media[message.name] = true;
				this.poll_media(this.name, message.name, 1);
			}
		}

		async poll_media(conversation, name, attempt) {
			await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * attempt, 5000)));
			if (this.name !== conversation || attempt > 30) return;
			const message = await this.refresh_message(name);
			if (message && message.media_status === "Pending")
				this.poll_media(conversation, name, attempt + 1);
		}

		row_of(name) {
			return [...this.messages.children].find(
				(node) => node.dataset && node.dataset.name === name
			);
		}

		scroll_to(name) {
			const row = this.row_of(name);
			if (!row) return;
			row.scrollIntoView({ block: "center", behavior: "smooth" });
			row.classList.add("wa-highlight");
			setTimeout(() => row.classList.remove("wa-highlight"), 1500);
		}

		at_end() {
			const box = this.messages;
			return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
		}

		scroll_to_end() {
			this.messages.scrollTop = this.messages.scrollHeight;
		}

		async mark_read() {
			if (document.hidden || !this.name) return;
			await chat.post("mark_read", { conversation: this.name });
			this.page.list.clear_unread(this.name);
		}

		async retry(message) {
			await chat.post("retry", { conversation: this.name, name: message.name });
			frappe.show_alert({
				message: __("Back in the outbox: it is sent again within a minute."),
				indicator: "blue",
			});
			this.refresh_message(message.name);
		}
	}

	chat.Thread = Thread;

	// ---- Composer ------------------------------------------------------------------------

	class Composer {
		constructor(parent, thread) {
			this.thread = thread;
			this.wrapper = chat.el("div", "wa-composer");
			this.replying = chat.el("div", "wa-replying hide");
			this.window_line = chat.el("div", "wa-window text-muted");
			this.closed = chat.el("div", "wa-window-closed hide");
			this.closed.append(
				chat.el(
					"div",
					"",
					__(
						"The 24-hour window is closed: WhatsApp accepts only an approved template until the customer writes again."
					)
				),
				chat.button(__("Send a template"), "btn-primary wa-template-closed", () =>
					this.template_dialog()
				)
			);
			this.editor = chat.el("div", "wa-editor");
			this.text = chat.el("textarea", "form-control wa-input");
			this.text.rows = 2;
			this.text.placeholder = __("Type a message");
			this.text.addEventListener("keydown", (event) => {
				if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) this.send_text();
			});
			this.editor.append(
				this.toolbar(),
				this.text,
				chat.button(__("Send"), "btn-primary wa-send", () => this.send_text())
			);
			this.wrapper.append(this.replying, this.window_line, this.closed, this.editor);
			parent.append(this.wrapper);
			setInterval(() => this.show_window(), 30000);
		}

		toolbar() {
			const bar = chat.el("div", "wa-toolbar");
			for (const [label, mark, title] of [
				["B", "*", __("Bold")],
				["I", "_", __("Italic")],
				["S", "~", __("Strikethrough")],
				["</>", "```", __("Monospace")],
			]) {
				const button = chat.button(label, "btn-default wa-format", () => this.wrap(mark));
				button.title = title;
				bar.append(button);
			}
			for (const emoji of EMOJI)
				bar.append(chat.button(emoji, "btn-default wa-emoji", () => this.insert(emoji)));
			bar.append(
				chat.button(__("Attach"), "btn-default wa-attach", () => this.attach()),
				chat.button(__("Template"), "btn-default wa-template", () =>
					this.template_dialog()
				)
			);
			return bar;
		}

		show(conversation, window) {
			this.conversation = conversation;
			this.window = window;
			this.window_ends =
				window && window.is_open ? Date.now() + window.seconds_left * 1000 : null;
			this.key = null;
			this.cancel_reply();
			this.wrapper.classList.remove("hide");
			this.show_window();
		}

		hide() {
			this.wrapper.classList.add("hide");
		}

		// A message from the customer (re)opens the 24-hour window from now.
		customer_wrote() {
			if (!this.window) return;
			this.window = { ...this.window, is_open: true };
			this.window_ends = Date.now() + 24 * 3600 * 1000;
			this.show_window();
		}

		is_closed() {
			return Boolean(
				this.window &&
					this.window.bound &&
					!(this.window_ends && this.window_ends > Date.now())
			);
		}

		show_window() {
			if (!this.window) return;
			const closed = this.is_closed();
			this.closed.classList.toggle("hide", !closed);
			this.editor.classList.toggle("hide", closed);
			this.window_line.textContent = this.window_text(closed);
		}

		window_text(closed) {
			if (!this.window.bound) return __("This device is not bound to the 24-hour window.");
			if (closed) return "";
			const minutes = Math.max(Math.floor((this.window_ends - Date.now()) / 60000), 0);
			return __("Window closes in {0} h {1} min", [Math.floor(minutes / 60), minutes % 60]);
		}

		wrap(mark) {
			const { selectionStart: start, selectionEnd: end, value } = this.text;
			this.text.value =
				value.slice(0, start) + mark + value.slice(start, end) + mark + value.slice(end);
			this.text.focus();
			this.text.setSelectionRange(start + mark.length, end + mark.length);
		}

		insert(value) {
			const { selectionStart: start, selectionEnd: end } = this.text;
			this.text.setRangeText(value, start, end, "end");
			this.text.focus();
		}

		reply_to(message) {
			this.answering = message;
			const label = chat.el(
				"span",
				"wa-replying-text",
				`${__("Replying to")}: ${chat.preview_of(message)}`
			);
			this.replying.replaceChildren(
				label,
				chat.button("×", "btn-link wa-cancel-reply", () => this.cancel_reply())
			);
			this.replying.classList.remove("hide");
			this.text.focus();
		}

		cancel_reply() {
			this.answering = null;
			this.replying.classList.add("hide");
		}

		send_text() {
			const text = this.text.value.trim();
			if (!text) return;
			this.send({ text }).then((sent) => sent && (this.text.value = ""));
		}

		attach() {
			new frappe.ui.FileUploader({
				allow_multiple: false,
				dialog_title: __("Send a file"),
				on_success: (file) => this.send({ file_url: file.file_url }),
			});
		}

		template_dialog() {
			const dialog = new frappe.ui.Dialog({
				title: __("Send a template"),
				fields: [
					{
						fieldname: "template",
						label: __("Template"),
						fieldtype: "Link",
						options: "WhatsApp Template",
						reqd: 1,
						get_query: () => ({ filters: { status: "APPROVED" } }),
						onchange: () => this.show_template(dialog),
					},
					{ fieldname: "body", fieldtype: "HTML" },
					{
						fieldname: "parameters",
						label: __("Parameters"),
						fieldtype: "Small Text",
						description: __(
							"One value per line: the first fills {{1}}, the second {{2}}, ..."
						),
					},
				],
				primary_action_label: __("Send"),
				primary_action: async (values) => {
					const parameters = (values.parameters || "")
						.split("\n")
						.filter((line) => line.trim());
					const sent = await this.send({
						template: values.template,
						parameters: JSON.stringify(parameters),
					});
					if (sent) dialog.hide();
				},
			});
			dialog.show();
		}

		async show_template(dialog) {
			const name = dialog.get_value("template");
			const wrapper = dialog.fields_dict.body.$wrapper.get(0);
			wrapper.replaceChildren();
			if (!name) return;
			const template = await frappe.db.get_value("WhatsApp Template", name, [
				"body",
				"parameter_count",
			]);
			const { body, parameter_count } = template.message || {};
			wrapper.append(chat.formatted(body || "", "wa-template-body"));
			dialog.set_df_property("parameters", "reqd", parameter_count ? 1 : 0);
		}

		// One idempotency key per draft: a repeated click or a retried request never sends twice.
		async send(content) {
			this.key = this.key || frappe.utils.get_random(20);
			const args = {
				conversation: this.conversation.name,
				idempotency_key: this.key,
				...content,
			};
			if (this.answering) args.reply_to = this.answering.name;
			const result = await chat.post("send_reply", args);
			this.key = null;
			this.cancel_reply();
			if (result.status === "Failed") {
				frappe.show_alert({
					message: frappe.utils.escape_html(result.error || __("Sending failed.")),
					indicator: "red",
				});
			}
			await this.thread.refresh_message(result.message_log);
			this.thread.scroll_to_end();
			return true;
		}
	}

	chat.Composer = Composer;

	// ---- The page ------------------------------------------------------------------------

	class ChatPage {
		constructor(wrapper) {
			this.page = frappe.ui.make_app_page({
				parent: wrapper,
				title: __("WhatsApp Chat"),
				single_column: true,
			});
			const body = chat.el("div", "wa-chat");
			this.page.main.get(0).append(body);
			this.list = new chat.ConversationList(body, (name) => this.open(name));
			this.thread = new chat.Thread(body, this);
			this.refresh_list = frappe.utils.debounce(() => this.list.load(), 500);
			frappe.realtime.on("whatsapp_chat", (event) => this.on_event(event));
			// Events come only while the page says it is open (renewed every minute).
			setInterval(() => this.watch(), 60000);
		}

		watch() {
			if (frappe.get_route()[0] === "whatsapp-chat") chat.post("watch", {});
		}

		open(name) {
			this.list.mark_active(name);
			this.thread.open(name);
		}

		async show(route_options) {
			this.watch();
			const wanted = route_options || frappe.utils.get_query_params() || {};
			this.list.set_linked(wanted);
			await this.list.load();
			const first = wanted.docname && this.list.rows[0];
			if (wanted.conversation || first) this.open(wanted.conversation || first.name);
		}

		on_event(event) {
			this.refresh_list();
			if (event.conversation === this.thread.name)
				this.thread.refresh_message(event.message);
		}

		header_actions(conversation) {
			const actions = chat.el("div", "wa-thread-actions");
			const resolved = conversation.status === "Resolved";
			actions.append(
				chat.button(
					resolved ? __("Reopen") : __("Resolve"),
					"btn-default wa-resolve",
					() => this.set_status(conversation, resolved ? "reopen" : "resolve")
				)
			);
			const manager = frappe.user.has_role(["WhatsApp Manager", "System Manager"]);
			if (conversation.device_mode === "Sandbox" && manager) {
				actions.append(
					chat.button(__("Simulate reply"), "btn-default wa-simulate", () =>
						this.simulate(conversation)
					)
				);
			}
			return actions;
		}

		async set_status(conversation, action) {
			await chat.post(action, { conversation: conversation.name });
			this.thread.open(conversation.name);
			this.list.load();
		}

		simulate(conversation) {
			frappe.prompt(
				{
					fieldname: "text",
					label: __("The customer writes"),
					fieldtype: "Small Text",
					reqd: 1,
				},
				(values) =>
					frappe.call({
						method: "whatsapp_integration.api.sandbox.simulate_reply",
						args: {
							device: conversation.device,
							number: conversation.contact_number,
							text: values.text,
						},
					}),
				__("Simulate reply"),
				__("Send")
			);
		}
	}

	frappe.pages["whatsapp-chat"].on_page_load = (wrapper) => {
		wrapper.whatsapp_chat = new ChatPage(wrapper);
	};

	frappe.pages["whatsapp-chat"].on_page_show = (wrapper) => {
		const options = frappe.route_options;
		frappe.route_options = null;
		wrapper.whatsapp_chat.show(options);
	};
})();
