// The conversations the user may read: search, All / Unread / Assigned to me, a device, the
// conversations of one document (the WhatsApp Chat button of its form), paged.

import { button, el, get, name_el, time_el } from "./helpers";

export class ConversationList {
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
		this.wrapper = el("div", "wa-list");
		this.toolbar = el("div", "wa-list-toolbar");
		this.search_input = el("input", "form-control input-xs wa-search");
		this.search_input.placeholder = __("Search name or number");
		this.search_input.addEventListener(
			"input",
			frappe.utils.debounce(() => this.set_search(), 300)
		);
		this.filters = el("div", "wa-filters btn-group");
		for (const [key, label] of [
			["all", __("All")],
			["unread", __("Unread")],
			["mine", __("Assigned to me")],
		]) {
			const choice = button(label, "btn-default", () => this.set_filter(key));
			choice.dataset.filter = key;
			this.filters.append(choice);
		}
		this.device_select = el("select", "form-control input-xs wa-device-filter");
		this.device_select.addEventListener("change", () => this.set_device());
		this.linked_chip = el("div", "wa-linked hide");
		this.toolbar.append(this.search_input, this.filters, this.device_select, this.linked_chip);
		this.items = el("div", "wa-list-items");
		this.more = button(__("Load more"), "btn-default wa-load-more", () => this.load(true));
		this.wrapper.append(this.toolbar, this.items, this.more);
		parent.append(this.wrapper);
		this.load_devices();
	}

	async load_devices() {
		const devices = await frappe.db.get_list("WhatsApp Device", {
			fields: ["name"],
			limit: 100,
		});
		this.device_select.append(el("option", "", __("All devices")));
		this.device_select.firstChild.value = "";
		for (const device of devices) {
			const option = el("option", "", device.name);
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
			el("span", "", label),
			button("×", "btn-link wa-clear-linked", () => {
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
		const page = await get("conversations", {
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
		for (const choice of this.filters.children) {
			choice.classList.toggle("btn-primary", choice.dataset.filter === this.filter);
		}
		this.items.replaceChildren(...this.rows.map((row) => this.item(row)));
		if (!this.rows.length)
			this.items.append(el("div", "wa-empty text-muted", __("No conversations")));
	}

	item(row) {
		const item = el("div", "wa-list-item");
		item.dataset.name = row.name;
		item.classList.toggle("active", row.name === this.active);
		const top = el("div", "wa-item-top");
		top.append(name_el("wa-item-title", row));
		top.append(time_el("wa-item-time text-muted", row.last_message_at));
		const bottom = el("div", "wa-item-bottom");
		const preview = el("span", "wa-item-preview text-muted", row.last_message_preview);
		if (row.last_direction === "Outbound") preview.prepend(el("span", "wa-arrow", "↪"), " ");
		bottom.append(preview);
		if (row.unread_count) bottom.append(el("span", "wa-unread badge", row.unread_count));
		const about = el("div", "wa-item-about text-muted");
		about.append(el("span", "wa-item-device", row.device));
		if (row.assigned_to) about.append(el("span", "wa-item-assignee", `· ${row.assigned_to}`));
		if (row.status === "Resolved")
			about.append(el("span", "wa-item-resolved", `· ${__("Resolved")}`));
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
