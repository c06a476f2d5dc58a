#!/usr/bin/env bash
# Tier-2 HTTP checks of the send API against a running `bench serve` (see README).
# Usage: scripts/bench_http_checks.sh [base_url] [fake_graph_url]
# Needs: the site served at base_url with Administrator/admin, and a fake Graph API
# (`python -m whatsapp_integration.testing.fake_graph --port 8765 --access-token http-check-token`).
set -euo pipefail
base=${1:-http://127.0.0.1:8000}
graph=${2:-http://127.0.0.1:8765}
jar_admin=$(mktemp) jar_user=$(mktemp) body=$(mktemp)
trap 'rm -f "$jar_admin" "$jar_user" "$body"' EXIT
sender=http-sender@example.com
password=Sender-Pass-2026!

call() { # jar method path [curl args...] -> prints "<status> <body>"
	local jar=$1 method=$2 path=$3
	shift 3
	curl -s -o "$body" -w '%{http_code}' -b "$jar" -c "$jar" -X "$method" "$base$path" "$@"
	printf ' %s\n' "$(head -c 400 "$body")"
}
expect() { # label expected-status actual-line
	local status=${3%% *}
	if [ "$status" = "$2" ]; then echo "PASS $1 ($status)"; else echo "FAIL $1: expected $2, got $3"; failed=1; fi
}
failed=0
curl -s -X POST "$graph/_fake/reset" >/dev/null
json=(-H 'Content-Type: application/json')

call "$jar_admin" POST /api/method/login "${json[@]}" -d '{"usr":"Administrator","pwd":"admin"}' >/dev/null
settings='{"graph_api_base_url":"'"$graph"'","access_token":"http-check-token","user_send_limit_per_minute":100}'
call "$jar_admin" PUT "/api/resource/WhatsApp%20Integration%20Settings/WhatsApp%20Integration%20Settings" "${json[@]}" -d "$settings" >/dev/null
device='{"device_name":"HTTP Check Device","mode":"Official","phone_number_id":"5550001","is_default":1,"enabled":1}'
call "$jar_admin" POST "/api/resource/WhatsApp%20Device" "${json[@]}" -d "$device" >/dev/null || true
user='{"email":"'"$sender"'","first_name":"Sender","new_password":"'"$password"'","send_welcome_email":0,"roles":[{"role":"WhatsApp User"}]}'
call "$jar_admin" POST "/api/resource/User" "${json[@]}" -d "$user" >/dev/null || true
call "$jar_user" POST /api/method/login "${json[@]}" -d '{"usr":"'"$sender"'","pwd":"'"$password"'"}' >/dev/null

# The customer never wrote: free text is refused (24 h window) and an approved template goes out.
template='{"template_name":"http_check_hello","language":"en_US","category":"UTILITY","body":"Hello from the HTTP check","status":"APPROVED"}'
call "$jar_admin" POST "/api/resource/WhatsApp%20Template" "${json[@]}" -d "$template" >/dev/null || true
line=$(call "$jar_user" POST /api/method/whatsapp_integration.api.messages.send_template "${json[@]}" -d '{"to":"+919876543210","template":"http_check_hello","device":"HTTP Check Device"}')
expect "WhatsApp User sends an approved template" 200 "$line"; echo "     $line"
line=$(call "$jar_user" POST /api/method/whatsapp_integration.api.messages.send "${json[@]}" -d '{"to":"+919876543210","text":"Hello from the HTTP check","device":"HTTP Check Device"}')
expect "free text to a customer who never wrote is a clear 417" 417 "$line"; echo "     $line"
line=$(call "$jar_user" POST /api/method/whatsapp_integration.api.messages.send "${json[@]}" -d '{"to":"12ab","text":"Hello"}')
expect "bad number is a clear 417" 417 "$line"; echo "     $line"
line=$(curl -s -o "$body" -w '%{http_code}' -X POST "$base/api/method/whatsapp_integration.api.messages.send" "${json[@]}" -d '{"to":"+919876543210","text":"Hello"}'; printf ' %s' "$(head -c 300 "$body")")
expect "Guest cannot send" 403 "$line"; echo "     $line"
requests=$(curl -s "$graph/_fake/requests" | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["path"].endswith("/messages")))')
if [ "$requests" = 1 ]; then echo "PASS exactly one request reached the Graph API"
else echo "FAIL Graph API saw $requests sends"; failed=1; fi
exit $failed
