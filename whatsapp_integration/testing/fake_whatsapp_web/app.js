// A fake WhatsApp Web: the parts of the real page the session host reads (see selectors.json).
"use strict";

const app = document.getElementById("app");
const TOKEN_KEY = "wa-token";
let sessionWatch = null;

async function getJson(url, options) {
	const response = await fetch(url, options);
	return response.json();
}

function escapeHtml(text) {
	const div = document.createElement("div");
	div.textContent = text;
	return div.innerHTML;
}

function drawCode(canvas, ref) {
	const context = canvas.getContext("2d");
	const cells = 25, size = canvas.width / cells;
	let hash = 0;
	context.fillStyle = "#fff";
	context.fillRect(0, 0, canvas.width, canvas.height);
	context.fillStyle = "#000";
	for (let i = 0; i < cells * cells; i++) {
		hash = (hash * 31 + ref.charCodeAt(i % ref.length) + i) >>> 0;
		if (hash % 2) { context.fillRect((i % cells) * size, Math.floor(i / cells) * size, size, size); }
	}
}

async function showLanding(config) {
	clearInterval(sessionWatch);
	const holder = config.qr_attribute ? '<div class="qr" data-ref="">' : '<div class="qr">';
	app.innerHTML = '<div class="landing"><h1>Use WhatsApp on your computer</h1>' + holder +
		'<canvas aria-label="Scan this QR code to link a device!" width="250" height="250"></canvas></div></div>';
	let pairing = "";
	const poll = async () => {
		const answer = await getJson("/api/qr?pairing=" + pairing);
		pairing = answer.pairing;
		if (answer.token) {
			localStorage.setItem(TOKEN_KEY, answer.token);
			localStorage.setItem("last-wid-md", JSON.stringify(answer.wid));
			return boot();
		}
		const qr = document.querySelector(".qr");
		if (config.qr_attribute && qr.getAttribute("data-ref") !== answer.ref) { qr.setAttribute("data-ref", answer.ref); }
		drawCode(document.querySelector("canvas"), answer.ref);
		setTimeout(poll, 200);
	};
	poll();
}

function showMain(token) {
	app.innerHTML = '<div id="pane-side" aria-label="Chat list"><div class="chat" role="listitem">Fake contact</div>' +
		'<div class="chats"></div></div><div id="main"></div>';
	let shown = "";
	const refresh = async () => {
		const answer = await getJson("/api/session?token=" + token);
		if (!answer.valid) { localStorage.removeItem(TOKEN_KEY); return boot(); }
		const chats = (await getJson("/api/chats?token=" + token)).chats || [];
		if (JSON.stringify(chats) !== shown) { shown = JSON.stringify(chats); drawChats(token, chats); }
	};
	refresh();
	sessionWatch = setInterval(refresh, 500);
}

// Like WhatsApp Web: a row per chat, an unread badge ("N unread messages") until it is opened.
function drawChats(token, chats) {
	const list = document.querySelector("#pane-side .chats");
	list.innerHTML = "";
	for (const chat of chats) {
		const row = document.createElement("div");
		row.className = "chat";
		row.setAttribute("role", "listitem");
		row.innerHTML = '<span title="' + escapeHtml(chat.name) + '">' + escapeHtml(chat.name) + "</span>" +
			(chat.unread ? ' <span aria-label="' + chat.unread + ' unread messages">' + chat.unread + "</span>" : "");
		row.onclick = () => {
			const badge = row.querySelector("span[aria-label]");
			if (badge) { badge.remove(); }
			openConversation(token, chat.phone);
		};
		list.appendChild(row);
	}
}

const MEDIA = {
	image: '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">',
	sticker: '<img class="sticker" alt="sticker" src="data:image/webp;base64,UklGRg==">',
	video: '<span data-icon="media-play"></span>',
	audio: '<span data-icon="ptt-play"></span>',
	document: '<span data-icon="document-PDF-icon"></span>',
};

async function openConversation(token, phone) {
	const answer = await getJson("/api/chat?phone=" + encodeURIComponent(phone) + "&token=" + token);
	const messages = answer.messages || [];
	const name = messages.length ? messages[0].name : phone;
	const bubbles = messages.map((message) => '<div class="message-in" data-id="' + escapeHtml(message.id) + '">' +
		(MEDIA[message.kind] || "") +
		(message.text ? '<span class="selectable-text">' + escapeHtml(message.text) + "</span>" : "") + "</div>");
	document.getElementById("main").innerHTML = '<header><span title="' + escapeHtml(name) + '">' +
		escapeHtml(name) + '</span></header><div class="messages">' + bubbles.join("") + "</div>";
}

function popup(html) {
	const element = document.createElement("div");
	element.setAttribute("data-animate-modal-popup", "true");
	element.innerHTML = html;
	document.body.appendChild(element);
	return element;
}

async function openChat(token, params) {
	const phone = params.get("phone") || "";
	const starting = popup("<div>Starting chat</div>");
	await new Promise((resolve) => setTimeout(resolve, 150));
	const contact = await getJson("/api/contact?phone=" + encodeURIComponent(phone) + "&token=" + token);
	starting.remove();
	if (contact.status !== "ok") {
		const box = popup("<div>" + escapeHtml(contact.message) + '</div><button type="button">OK</button>');
		box.querySelector("button").onclick = () => box.remove();
		return;
	}
	document.getElementById("main").innerHTML = '<header>' + escapeHtml(phone) + '</header><div class="messages"></div>' +
		'<footer><div contenteditable="true" data-tab="10"></div><button type="button" aria-label="Send">Send</button></footer>';
	const compose = document.querySelector("footer div[contenteditable]");
	compose.innerText = params.get("text") || "";
	document.querySelector("button[aria-label=Send]").onclick = () => send(token, phone, compose);
}

async function send(token, phone, compose) {
	const text = compose.innerText;
	compose.innerText = "";
	const bubble = document.createElement("div");
	bubble.className = "message-out";
	bubble.innerHTML = '<span class="text">' + escapeHtml(text) + '</span> <span data-icon="msg-time"></span>';
	document.querySelector(".messages").appendChild(bubble);
	const answer = await getJson("/api/messages", {
		method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({token: token, phone: phone, text: text}),
	});
	if (answer.id && !answer.held) {
		bubble.setAttribute("data-id", "true_" + phone + "@c.us_" + answer.id);
		bubble.querySelector("[data-icon]").setAttribute("data-icon", "msg-check");
	}
}

async function boot() {
	app.innerHTML = '<div id="startup">Loading...</div>';
	const config = await getJson("/api/config");
	const token = localStorage.getItem(TOKEN_KEY);
	const valid = token && (await getJson("/api/session?token=" + token)).valid;
	if (!valid) {
		localStorage.removeItem(TOKEN_KEY);
		return showLanding(config);
	}
	showMain(token);
	if (location.pathname === "/send") { openChat(token, new URLSearchParams(location.search)); }
}

boot();
