// Copyright (c) 2026, whatsapp_integration developers and contributors
// For license information, please see license.txt

frappe.query_reports["WhatsApp Message Analytics"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.get_today(), -29),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{
			fieldname: "device",
			label: __("Device"),
			fieldtype: "Link",
			options: "WhatsApp Device",
		},
		{
			fieldname: "campaign",
			label: __("Campaign"),
			fieldtype: "Link",
			options: "WhatsApp Campaign",
		},
		{
			fieldname: "direction",
			label: __("Direction"),
			fieldtype: "Select",
			options: ["", "Outbound", "Inbound"],
		},
	],
};
