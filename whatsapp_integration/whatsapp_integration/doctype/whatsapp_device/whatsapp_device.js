// WhatsApp Web devices: the live QR code and session state, with Link, Relink, Stop, Log out
// and Send test message. The session host pushes every change as the realtime event
// `whatsapp_web_session`; the form redraws from it without a reload.

const WEB_API = "whatsapp_integration.api.devices.";
const STATE_COLORS = { STOPPED: "gray", STARTING: "blue", SCAN_QR_CODE: "orange", WORKING: "green", FAILED: "red" };
// The only QR the form shows: a PNG data URL (anything else is not drawn).
const QR_IMAGE = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;
const STATE_LABELS = {
	STOPPED: __("Stopped"),
	STARTING: __("Starting"),
	SCAN_QR_CODE: __("Scan the QR code"),
	WORKING: __("Linked"),
	FAILED: __("Failed"),
};

frappe.ui.form.on("WhatsApp Device", {
	refresh(frm) {
		if (!frm.is_new() && frm.doc.mode === "Official") {
			show_number_health(frm);
		}
		if (frm.is_new() || frm.doc.mode !== "Web") {
			return;
		}
		listen_for_session(frm);
		render_session(frm);
		add_session_buttons(frm);
		poll_while_pending(frm);
	},
	onload_post_render(frm) {
		frm.$wrapper.on("remove", () => stop_listening(frm));
	},
});

// Official devices: Meta's quality rating and messaging limit as indicators, the last check's
// error as the form's intro, and a button to check now (the scheduler checks hourly).
const QUALITY_COLORS = { GREEN: "green", YELLOW: "orange", RED: "red", UNKNOWN: "gray" };

function show_number_health(frm) {
	const esc = frappe.utils.escape_html;
	if (frm.doc.quality_rating) {
		frm.dashboard.add_indicator(__("Quality: {0}", [esc(frm.doc.quality_rating)]),
			QUALITY_COLORS[frm.doc.quality_rating] || "gray");
	}
	if (frm.doc.messaging_limit_tier) {
		frm.dashboard.add_indicator(__("Messaging limit: {0}", [esc(frm.doc.messaging_limit_tier)]), "blue");
	}
	if (frm.doc.health_error) {
		frm.set_intro(__("The last number health check failed: {0}", [esc(frm.doc.health_error)]), "red");
	}
	if (frm.perm[0] && frm.perm[0].write) {
		frm.add_custom_button(__("Check number health"), () =>
			frappe.call({ method: "whatsapp_integration.api.number_health.refresh", args: { device: frm.doc.name }, freeze: true })
				.then((r) => {
					if (r.message.error) frappe.show_alert({ message: esc(r.message.error), indicator: "red" });
					frm.reload_doc();
				}));
	}
}

function listen_for_session(frm) {
	if (frm.whatsapp_session_handler) {
		return;
	}
	frm.whatsapp_session_handler = (data) => {
		if (data && data.device === frm.doc.name) {
			// The QR comes only to users who may link the device, as an event of their own; the
			// event for everyone with the form open carries no QR and keeps the one shown.
			if (data.linked_number && data.linked_number !== frm.doc.web_linked_number) {
				frm.reload_doc(); // linked: the stored number and its comparison come with the doc
				return;
			}
			const keep = data.state === "SCAN_QR_CODE" ? frm.doc.web_qr_image : "";
			show_session(frm, data.state, data.reason, "qr_image" in data ? data.qr_image : keep);
		}
	};
	frappe.realtime.on("whatsapp_web_session", frm.whatsapp_session_handler);
}

function show_session(frm, state, reason, qr_image) {
	frm.doc.web_state = state;
	frm.doc.web_state_reason = reason;
	frm.doc.web_qr_image = qr_image || "";
	render_session(frm);
	add_session_buttons(frm);
	poll_while_pending(frm);
}

// Realtime can miss an event (a socket still connecting); while a session is on its way,
// the stored state is re-read every few seconds as well.
function poll_while_pending(frm) {
	clearTimeout(frm.whatsapp_poll);
	if (!["STARTING", "SCAN_QR_CODE"].includes(frm.doc.web_state)) {
		return;
	}
	frm.whatsapp_poll = setTimeout(async () => {
		const fields = ["web_state", "web_state_reason", "web_qr_image"];
		const { message } = await frappe.db.get_value("WhatsApp Device", frm.doc.name, fields);
		if (message && frm.doc.name && frappe.get_route_str().includes(frm.doc.name)) {
			show_session(frm, message.web_state, message.web_state_reason, message.web_qr_image);
		}
	}, 3000);
}

function stop_listening(frm) {
	clearTimeout(frm.whatsapp_poll);
	if (frm.whatsapp_session_handler) {
		frappe.realtime.off("whatsapp_web_session", frm.whatsapp_session_handler);
		frm.whatsapp_session_handler = null;
	}
}

function render_session(frm) {
	const state = frm.doc.web_state || "STOPPED";
	frm.set_intro("");
	frm.set_intro(
		`<span class="whatsapp-session-state">${__("WhatsApp Web")}: <b>${STATE_LABELS[state] || state}</b></span>` +
			(frm.doc.web_state_reason ? ` &middot; ${frappe.utils.escape_html(frm.doc.web_state_reason)}` : ""),
		STATE_COLORS[state] || "gray"
	);
	if (frm.doc.web_number_mismatch) {
		frm.set_intro(
			__("Linked by {0}, not by this device's number {1}. If that is wrong, Log out and link again with the right phone.", [
				whatsapp_integration.ltr(frm.doc.web_linked_number),
				whatsapp_integration.ltr(frm.doc.phone_number),
			]),
			"red"
		);
	}
	frm.refresh_fields(["web_state", "web_state_reason"]);
	const field = frm.get_field("web_qr_html");
	if (!field) {
		return;
	}
	const qr_image = QR_IMAGE.test(frm.doc.web_qr_image || "") ? frm.doc.web_qr_image : "";
	if (state === "SCAN_QR_CODE" && qr_image) {
		field.$wrapper.html(
			`<div class="whatsapp-qr">
				<img src="${frappe.utils.escape_html(qr_image)}" alt="${__("WhatsApp QR code")}" style="width: 264px; image-rendering: pixelated;">
				<p class="text-muted small">${__("On the phone: WhatsApp > Linked devices > Link a device, then scan this code. It refreshes by itself.")}</p>
			</div>`
		);
	} else {
		field.$wrapper.html("");
	}
}

function add_session_buttons(frm) {
	const group = __("WhatsApp Web");
	["Link", "Relink", "Stop", "Log out", "Send test message"].forEach((label) => frm.remove_custom_button(__(label), group));
	const state = frm.doc.web_state || "STOPPED";
	if (["STOPPED", "FAILED"].includes(state)) {
		frm.add_custom_button(__("Link"), () => session_call(frm, "start_session"), group);
	}
	if (state !== "STOPPED") {
		frm.add_custom_button(__("Relink"), () => session_call(frm, "relink"), group);
		frm.add_custom_button(__("Stop"), () => session_call(frm, "stop_session"), group);
	}
	frm.add_custom_button(
		__("Log out"),
		() => frappe.confirm(__("Log this device out of WhatsApp Web? The next link needs a new scan."), () => session_call(frm, "logout")),
		group
	);
	if (state === "WORKING") {
		frm.add_custom_button(__("Send test message"), () => send_test_message(frm), group);
	}
}

function session_call(frm, method) {
	return frappe.call({
		method: WEB_API + method,
		args: { device: frm.doc.name },
		freeze: true,
		callback: (response) => {
			const session = response.message;
			if (session && session.state) {
				show_session(frm, session.state, session.reason, frm.doc.web_qr_image);
			}
		},
	});
}

function send_test_message(frm) {
	frappe.prompt(
		[
			{ fieldname: "to", fieldtype: "Data", options: "Phone", label: __("To (with country code)"), reqd: 1,
				input_css: whatsapp_integration.ltr_input_css() },
			{ fieldname: "text", fieldtype: "Small Text", label: __("Message") },
		],
		(values) =>
			frappe.call({
				method: WEB_API + "send_test",
				args: { device: frm.doc.name, to: values.to, text: values.text },
				freeze: true,
				freeze_message: __("Sending through WhatsApp Web..."),
				callback: (response) => {
					const result = response.message || {};
					const message = result.status === "Sent" ? __("Sent ({0}).", [result.message_log]) : __("{0}: {1}", [result.status, frappe.utils.escape_html(result.error || "")]);
					frappe.msgprint(message);
				},
			}),
		__("Send test message"),
		__("Send")
	);
}
