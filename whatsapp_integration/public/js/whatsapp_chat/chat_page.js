// The chat page: the conversation list beside the thread, what the route asks to open, realtime
// events ("whatsapp_chat", sent only to users allowed to read the conversation) while the page
// says it is open, and the thread's actions (Resolve / Reopen, Simulate reply on Sandbox devices).

import { ConversationList } from "./conversation_list";
import { button, el, post } from "./helpers";
import { Thread } from "./thread";

export class ChatPage {
	constructor(wrapper) {
		this.page = frappe.ui.make_app_page({
			parent: wrapper,
			title: __("WhatsApp Chat"),
			single_column: true,
		});
		const body = el("div", "wa-chat");
		this.page.main.get(0).append(body);
		this.list = new ConversationList(body, (name) => this.open(name));
		this.thread = new Thread(body, this);
		this.refresh_list = frappe.utils.debounce(() => this.list.load(), 500);
		frappe.realtime.on("whatsapp_chat", (event) => this.on_event(event));
		// Events come only while the page says it is open (renewed every minute).
		setInterval(() => this.watch(), 60000);
	}

	watch() {
		if (frappe.get_route()[0] === "whatsapp-chat") post("watch", {});
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
		if (event.conversation === this.thread.name) this.thread.refresh_message(event.message);
	}

	header_actions(conversation) {
		const actions = el("div", "wa-thread-actions");
		const resolved = conversation.status === "Resolved";
		actions.append(
			button(resolved ? __("Reopen") : __("Resolve"), "btn-default wa-resolve", () =>
				this.set_status(conversation, resolved ? "reopen" : "resolve")
			)
		);
		const manager = frappe.user.has_role(["WhatsApp Manager", "System Manager"]);
		if (conversation.device_mode === "Sandbox" && manager) {
			actions.append(
				button(__("Simulate reply"), "btn-default wa-simulate", () =>
					this.simulate(conversation)
				)
			);
		}
		return actions;
	}

	async set_status(conversation, action) {
		await post(action, { conversation: conversation.name });
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
