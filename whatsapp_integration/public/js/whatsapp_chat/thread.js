// The open conversation: its header, its messages (older ones on demand, new and changed ones
// as realtime events name them, inbound files polled until downloaded) and the composer.

import { bubble } from "./bubbles";
import { Composer } from "./composer";
import { button, el, get, name_el, number_el, post } from "./helpers";

export class Thread {
	constructor(parent, page) {
		this.page = page;
		this.wrapper = el("div", "wa-thread");
		this.header = el("div", "wa-thread-header");
		this.older = button(__("Load older messages"), "btn-default wa-load-older", () =>
			this.load_older()
		);
		this.messages = el("div", "wa-messages");
		this.composer_area = el("div", "wa-composer-area");
		this.wrapper.append(this.header, this.messages, this.composer_area);
		parent.append(this.wrapper);
		this.composer = new Composer(this.composer_area, this);
		this.actions = {
			reply: (message) => this.composer.reply_to(message),
			retry: (message) => this.retry(message),
			scroll_to: (name) => this.scroll_to(name),
		};
		this.show_empty();
	}

	show_empty() {
		this.name = null;
		this.header.replaceChildren(el("div", "text-muted", __("Choose a conversation")));
		this.messages.replaceChildren();
		this.composer.hide();
	}

	async open(name) {
		this.name = name;
		this.pending_media = {};
		const page = await get("thread", { conversation: name });
		if (this.name !== name) return;
		this.conversation = page.conversation;
		this.render_header(page.conversation);
		this.messages.replaceChildren(...page.messages.map((m) => bubble(m, this.actions)));
		this.set_older(page.older);
		this.watch_media(page.messages);
		this.composer.show(page.conversation, page.window);
		this.scroll_to_end();
		this.mark_read();
	}

	render_header(conversation) {
		const title = el("div", "wa-thread-title");
		title.append(name_el("wa-thread-name", conversation));
		if (conversation.title && conversation.contact_number) {
			title.append(
				number_el("span", "wa-thread-number text-muted", conversation.contact_number)
			);
		}
		const about = el("div", "wa-thread-about text-muted");
		about.append(el("span", "", conversation.device));
		if (conversation.assigned_to)
			about.append(el("span", "", `· ${conversation.assigned_to}`));
		about.append(el("span", "wa-thread-status", `· ${__(conversation.status || "Open")}`));
		const links = el("div", "wa-thread-links");
		for (const [doctype, docname] of [
			["Contact", conversation.contact],
			[conversation.party_doctype, conversation.party_name],
		]) {
			if (!doctype || !docname) continue;
			links.append(
				button(`${__(doctype)}: ${docname}`, "btn-link", () =>
					frappe.set_route("Form", doctype, docname)
				)
			);
		}
		this.header.replaceChildren(title, about, links, this.page.header_actions(conversation));
	}

	set_older(cursor) {
		this.older_cursor = cursor;
		if (cursor) this.messages.prepend(this.older);
		else this.older.remove();
	}

	async load_older() {
		const name = this.name;
		const page = await get("thread", {
			conversation: name,
			older: this.older_cursor,
		});
		if (this.name !== name) return;
		const first = this.older.nextSibling;
		const height = this.messages.scrollHeight;
		for (const message of page.messages) {
			this.messages.insertBefore(bubble(message, this.actions), first);
		}
		this.set_older(page.older);
		this.watch_media(page.messages);
		this.messages.scrollTop = this.messages.scrollHeight - height;
	}

	// A realtime event named a new or changed message of this conversation.
	async refresh_message(name) {
		const conversation = this.name;
		const message = await get("message", { conversation, name });
		if (this.name !== conversation) return;
		const row = bubble(message, this.actions);
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
			if (message.media_status !== "Pending" || this.pending_media[message.name]) continue;
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
		await post("mark_read", { conversation: this.name });
		this.page.list.clear_unread(this.name);
	}

	async retry(message) {
		await post("retry", { conversation: this.name, name: message.name });
		frappe.show_alert({
			message: __("Back in the outbox: it is sent again within a minute."),
			indicator: "blue",
		});
		this.refresh_message(message.name);
	}
}
