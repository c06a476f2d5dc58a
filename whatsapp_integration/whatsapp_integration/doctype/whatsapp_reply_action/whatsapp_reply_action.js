// WhatsApp Reply Action form: the Field picker lists the fields of "Only Replies About".

frappe.ui.form.on("WhatsApp Reply Action", {
	refresh(frm) {
		frm.trigger("reference_doctype");
	},
	reference_doctype(frm) {
		if (!frm.doc.reference_doctype) return;
		frappe.model.with_doctype(frm.doc.reference_doctype, () => {
			const skip = ["Section Break", "Column Break", "Tab Break", "HTML", "Button", "Table", "Table MultiSelect", "Fold", "Heading"];
			const fields = frappe.get_meta(frm.doc.reference_doctype).fields.filter((df) => !skip.includes(df.fieldtype));
			frm.set_df_property("set_field", "options", [""].concat(fields.map((df) => df.fieldname)));
		});
	},
});
