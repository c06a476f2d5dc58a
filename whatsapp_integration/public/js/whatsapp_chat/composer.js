// Answering a conversation: text with WhatsApp formatting and emoji, a file, a reply to one
// message, a template (the only choice once the 24-hour window is closed) and the window's countdown.

import { button, el, formatted, post, preview_of } from "./helpers";

const EMOJI = ["😀", "😂", "😊", "🙏", "👍", "❤️", "🎉", "✅"];

export class Composer {
	constructor(parent, thread) {
		this.thread = thread;
		this.wrapper = el("div", "wa-composer");
		this.replying = el("div", "wa-replying hide");
		this.window_line = el("div", "wa-window text-muted");
		this.closed = el("div", "wa-window-closed hide");
		this.closed.append(
			el(
				"div",
				"",
				__(
					"The 24-hour window is closed: WhatsApp accepts only an approved template until the customer writes again."
				)
			),
			button(__("Send a template"), "btn-primary wa-template-closed", () =>
				this.template_dialog()
			)
		);
		this.editor = el("div", "wa-editor");
		this.text = el("textarea", "form-control wa-input");
		this.text.rows = 2;
		this.text.placeholder = __("Type a message");
		this.text.addEventListener("keydown", (event) => {
			if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) this.send_text();
		});
		this.editor.append(
			this.toolbar(),
			this.text,
			button(__("Send"), "btn-primary wa-send", () => this.send_text())
		);
		this.wrapper.append(this.replying, this.window_line, this.closed, this.editor);
		parent.append(this.wrapper);
		setInterval(() => this.show_window(), 30000);
	}

	toolbar() {
		const bar = el("div", "wa-toolbar");
		for (const [label, mark, title] of [
			["B", "*", __("Bold")],
			["I", "_", __("Italic")],
			["S", "~", __("Strikethrough")],
			["</>", "```", __("Monospace")],
		]) {
			const format = button(label, "btn-default wa-format", () => this.wrap(mark));
			format.title = title;
			bar.append(format);
		}
		for (const emoji of EMOJI)
			bar.append(button(emoji, "btn-default wa-emoji", () => this.insert(emoji)));
		bar.append(
			button(__("Attach"), "btn-default wa-attach", () => this.attach()),
			button(__("Template"), "btn-default wa-template", () => this.template_dialog())
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
		const label = el(
			"span",
			"wa-replying-text",
			`${__("Replying to")}: ${preview_of(message)}`
		);
		this.replying.replaceChildren(
			label,
			button("×", "btn-link wa-cancel-reply", () => this.cancel_reply())
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
		wrapper.append(formatted(body || "", "wa-template-body"));
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
		const result = await post("send_reply", args);
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
