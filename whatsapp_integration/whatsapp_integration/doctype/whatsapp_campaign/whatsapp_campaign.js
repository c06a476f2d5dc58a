// Copyright (c) 2026, whatsapp_integration developers and contributors
// For license information, please see license.txt

const API = "whatsapp_integration.api.campaigns.";
const STATE_COLORS = {
	Pending: "gray", Sending: "blue", Sent: "green", Delivered: "green",
	Read: "green", Failed: "red", Skipped: "orange",
};

frappe.ui.form.on("WhatsApp Campaign", {
	setup(frm) {
		frm.set_query("template", () => ({ filters: { status: "APPROVED" } }));
	},

	refresh(frm) {
		render_progress(frm, (frm.doc.__onload || {}).progress);
		if (frm.is_new()) return;
		add_actions(frm);
		listen_for_progress(frm);
	},
});

function add_actions(frm) {
	const status = frm.doc.status;
	const call = (method, args = {}) =>
		frappe.call({ method: API + method, args: { name: frm.doc.name, ...args }, freeze: true })
			.then((r) => { frm.reload_doc(); return r.message; });

	if (["Draft", "Failed"].includes(status)) {
		frm.add_custom_button(__("Start"), () => call("start").then((r) => report_start(r)))
			.addClass("btn-primary");
	}
	if (["Scheduled", "Running"].includes(status)) {
		frm.add_custom_button(__("Pause"), () => call("pause"));
	}
	if (status === "Paused") {
		frm.add_custom_button(__("Resume"), () => call("resume")).addClass("btn-primary");
	}
	if (!["Completed", "Cancelled"].includes(status)) {
		frm.add_custom_button(__("Cancel Campaign"), () =>
			frappe.confirm(__("Cancel this campaign? Recipients not yet sent will not be sent."), () => call("cancel")));
		frm.add_custom_button(__("Send Test to Me"), () => send_test(frm));
	}
	if (["Draft", "Scheduled", "Paused"].includes(status)) {
		frm.add_custom_button(__("From DocType"), () => pick_recipients(frm), __("Add Recipients"));
		frm.add_custom_button(__("Paste CSV"), () => paste_csv(frm), __("Add Recipients"));
	}
	frm.add_custom_button(__("Recipients"), () =>
		frappe.set_route("List", "WhatsApp Campaign Recipient", { campaign: frm.doc.name }), __("View"));
	frm.add_custom_button(__("Sync Templates"), () =>
		frappe.call({ method: API + "sync_templates", args: { device: frm.doc.device }, freeze: true })
			.then((r) => frappe.show_alert(__("{0} templates synced", [r.message.synced]))), __("View"));
}

function report_start(result) {
	const counts = (result.progress || {}).counts || {};
	frappe.show_alert({
		message: __("{0}: {1} to send, {2} skipped (invalid, duplicate or opted out)",
			[__(result.status), counts.Pending || 0, counts.Skipped || 0]),
		indicator: "green",
	});
}

function report_added(summary) {
	frappe.msgprint({
		title: __("Recipients added"),
		message: __("{0} to send; skipped: {1} invalid, {2} duplicate, {3} opted out. See the skipped rows' reasons in Recipients.",
			[summary.to_send, summary.invalid, summary.duplicate, summary.opted_out]),
		indicator: summary.to_send === summary.total ? "green" : "orange",
	});
}

function pick_recipients(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Add recipients from documents"),
		fields: [
			{ fieldname: "doctype", fieldtype: "Link", options: "DocType", label: __("DocType"), reqd: 1, default: "Customer" },
			{ fieldname: "phone_field", fieldtype: "Data", label: __("Phone field"),
				description: __("Leave empty for the usual mobile field (mobile_no on Contact, Customer, Lead).") },
			{ fieldname: "filters_html", fieldtype: "HTML" },
		],
		primary_action_label: __("Add"),
		primary_action(values) {
			const filters = dialog.filter_group ? dialog.filter_group.get_filters() : [];
			frappe.call({
				method: API + "add_recipients", freeze: true,
				args: { name: frm.doc.name, doctype: values.doctype, phone_field: values.phone_field, filters: JSON.stringify(filters) },
			}).then((r) => { dialog.hide(); report_added(r.message); frm.reload_doc(); });
		},
	});
	const make_filters = (doctype) => {
		const wrapper = dialog.fields_dict.filters_html.$wrapper.empty();
		dialog.filter_group = new frappe.ui.FilterGroup({ parent: wrapper, doctype, on_change() {} });
	};
	dialog.fields_dict.doctype.df.onchange = () => make_filters(dialog.get_value("doctype"));
	dialog.show();
	make_filters("Customer");
}

function paste_csv(frm) {
	frappe.prompt(
		[{ fieldname: "csv_text", fieldtype: "Code", label: __("CSV"), reqd: 1,
			description: __("number,name[,more columns usable as {{ column }}]; one recipient per line.") }],
		(values) => frappe.call({ method: API + "import_csv", freeze: true, args: { name: frm.doc.name, csv_text: values.csv_text } })
			.then((r) => { report_added(r.message); frm.reload_doc(); }),
		__("Paste recipients"), __("Add"));
}

function send_test(frm) {
	frappe.prompt(
		[{ fieldname: "to", fieldtype: "Data", options: "Phone", label: __("Send to"), input_css: whatsapp_integration.ltr_input_css(),
			description: __("Empty: the mobile number on your user profile.") }],
		(values) => frappe.call({ method: API + "send_test", freeze: true, args: { name: frm.doc.name, to: values.to } })
			.then((r) => frappe.show_alert({ message: __("Test sent to {0} ({1})", [whatsapp_integration.ltr(r.message.to), __(r.message.status)]), indicator: "green" })),
		__("Send test message"), __("Send"));
}

function listen_for_progress(frm) {
	if (frm.__whatsapp_progress_listener) return;
	frm.__whatsapp_progress_listener = (data) => {
		if (data.campaign !== frm.doc.name) return;
		render_progress(frm, { counts: data.counts, devices: data.devices });
		if (data.status && data.status !== frm.doc.status) frm.reload_doc();
	};
	frappe.realtime.on("whatsapp_campaign_progress", frm.__whatsapp_progress_listener);
	frappe.realtime.doc_subscribe(frm.doctype, frm.doc.name);
}

function render_progress(frm, progress) {
	const field = frm.fields_dict.progress_html;
	if (!field) return;
	const counts = (progress && progress.counts) || {};
	const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
	if (!total) {
		field.$wrapper.html(`<p class="text-muted">${__("No recipients yet.")}</p>`);
		return;
	}
	const open = (counts.Pending || 0) + (counts.Sending || 0);
	const percent = Math.round((1000 * (total - open)) / total) / 10;
	const bars = Object.entries(counts).filter(([, n]) => n).map(([state, n]) =>
		`<span class="indicator-pill ${STATE_COLORS[state] || "gray"}" style="margin-inline-end:6px">${__(state)}: ${n}</span>`).join("");
	field.$wrapper.html(`
		<div class="progress" style="height:14px;margin-bottom:8px">
			<div class="progress-bar" role="progressbar" style="width:${percent}%">${percent}%</div>
		</div>
		<div>${bars}</div>
		<p class="text-muted small" style="margin-top:6px">${__("{0} of {1} recipients settled", [total - open, total])}</p>
		${device_progress(progress.devices || {})}`);
}

// Recipients per device of a campaign that sends through several (routed by remaining capacity).
function device_progress(devices) {
	const names = Object.keys(devices).sort((a, b) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)));
	if (!names.length || (names.length === 1 && names[0] === "")) return "";
	const rows = names.map((device) => {
		const counts = devices[device];
		const pills = Object.entries(counts).filter(([, n]) => n).map(([state, n]) =>
			`<span class="indicator-pill ${STATE_COLORS[state] || "gray"}" style="margin-inline-end:4px">${__(state)}: ${n}</span>`).join("");
		const label = device ? frappe.utils.escape_html(device) : `<span class="text-muted">${__("Waiting for a device")}</span>`;
		return `<tr><td>${label}</td><td>${pills}</td></tr>`;
	}).join("");
	return `<table class="table table-sm" style="margin-top:8px">
		<thead><tr><th>${__("Device")}</th><th>${__("Recipients")}</th></tr></thead><tbody>${rows}</tbody></table>`;
}
