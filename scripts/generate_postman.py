"""Generate the Postman collection and environment from the app's own OpenAPI document.

    python scripts/generate_postman.py          (make postman)

Every operation in the document appears exactly once, in an order that runs as one
flow (sign in, chat, stream a reply, subscribe, ...); the script refuses to write a
collection when the document and the flow below disagree, so the two cannot drift.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "postman"
COLLECTION = OUT / "gemini-chat.postman_collection.json"
ENVIRONMENT = OUT / "local.postman_environment.json"

TOKEN = "{{access_token}}"
# A body {MULTIPART: {filename, content_type, text}} is sent as multipart/form-data with one file.
MULTIPART = "__multipart__"


def _chatgpt(role: str, text: str) -> dict[str, Any]:
    return {"author": {"role": role}, "content": {"content_type": "text", "parts": [text]}}


# A ChatGPT conversations.json with one conversation: a question and its answer.
CHATGPT_EXPORT = json.dumps(
    [
        {
            "title": "From ChatGPT",
            "mapping": {
                "a": {"parent": None, "children": ["b"], "message": _chatgpt("user", "Hello from elsewhere")},
                "b": {"parent": "a", "children": [], "message": _chatgpt("assistant", "Welcome")},
            },
            "current_node": "b",
        }
    ]
)
# Query parameters of a request, in place of a body.
QUERY = "__query__"
BOUNDARY = "postman-form-boundary"
SECOND_USER = "{{second_token}}"

# (folder, method, path, body, bearer token, test script lines). Bodies and tests use
# collection variables set by earlier requests.
FLOW: list[tuple[str, str, str, dict[str, Any] | None, str | None, list[str]]] = [
    (
        "Auth",
        "POST",
        "/auth/send-otp",
        {"mobile_number": "{{mobile_number}}"},
        None,
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
            "pm.collectionVariables.set('otp', pm.response.json().otp);",
        ],
    ),
    (
        "Auth",
        "POST",
        "/auth/verify-otp",
        {"mobile_number": "{{mobile_number}}", "otp": "{{otp}}"},
        None,
        [
            "pm.test('signed in', () => pm.response.to.have.status(200));",
            "const body = pm.response.json();",
            "pm.collectionVariables.set('access_token', body.access_token);",
            "pm.collectionVariables.set('refresh_token', body.refresh_token);",
        ],
    ),
    (
        "Auth",
        "POST",
        "/auth/refresh",
        {"refresh_token": "{{refresh_token}}"},
        None,
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
            "pm.collectionVariables.set('access_token', pm.response.json().access_token);",
            "pm.collectionVariables.set('refresh_token', pm.response.json().refresh_token);",
        ],
    ),
    (
        "Auth",
        "POST",
        "/auth/send-confirmation-code",
        None,
        TOKEN,
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
        ],
    ),
    (
        "Auth",
        "POST",
        "/auth/signup",
        {"mobile_number": "{{second_number}}", "name": "Second user", "password": "{{password}} at first"},
        None,
        [
            "pm.test('202', () => pm.response.to.have.status(202));",
            "pm.collectionVariables.set('signup_otp', pm.response.json().otp);",
            "pm.collectionVariables.set('signup_token', pm.response.json().signup_token);",
        ],
    ),
    (
        "Auth",
        "POST",
        "/auth/verify-signup",
        {"mobile_number": "{{second_number}}", "otp": "{{signup_otp}}", "signup_token": "{{signup_token}}"},
        None,
        [
            "pm.test('signed up', () => pm.response.to.have.status(200));",
            "pm.test('with a password', () => pm.expect(pm.response.json().user.has_password).to.eql(true));",
        ],
    ),
    (
        "Auth",
        "POST",
        "/auth/forgot-password",
        {"mobile_number": "{{second_number}}"},
        None,
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
            "pm.collectionVariables.set('reset_otp', pm.response.json().otp);",
        ],
    ),
    (
        "Auth",
        "POST",
        "/auth/reset-password",
        {"mobile_number": "{{second_number}}", "otp": "{{reset_otp}}", "new_password": "{{password}}"},
        None,
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
        ],
    ),
    (
        "Auth",
        "POST",
        "/auth/login",
        {"mobile_number": "{{second_number}}", "password": "{{password}}"},
        None,
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
            "pm.collectionVariables.set('second_token', pm.response.json().access_token);",
        ],
    ),
    (
        "Auth",
        "POST",
        "/auth/change-password",
        {"old_password": "{{password}}", "new_password": "{{password}} changed"},
        SECOND_USER,
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
            "pm.collectionVariables.set('second_token', pm.response.json().access_token);",
        ],
    ),
    (
        "Auth",
        "POST",
        "/auth/logout",
        None,
        SECOND_USER,
        [
            "pm.test('204', () => pm.response.to.have.status(204));",
        ],
    ),
    (
        "User",
        "GET",
        "/user/me",
        None,
        "{{access_token}}",
        [
            "pm.test('basic user', () => pm.expect(pm.response.json().tier).to.eql('basic'));",
        ],
    ),
    (
        "User",
        "GET",
        "/user/usage",
        None,
        "{{access_token}}",
        [
            "pm.test('5 a day', () => pm.expect(pm.response.json().daily_limit).to.eql(5));",
        ],
    ),
    (
        "User",
        "PUT",
        "/user/instructions",
        {"about_me": "I plan trips for my family.", "response_style": "Short answers with a list."},
        "{{access_token}}",
        [
            "pm.test('saved', () => pm.expect(pm.response.json().about_me).to.eql('I plan trips for my family.'));",
        ],
    ),
    (
        "User",
        "GET",
        "/user/instructions",
        None,
        "{{access_token}}",
        [
            "pm.test('read back', () => pm.expect(pm.response.json().response_style).to.contain('Short'));",
        ],
    ),
    (
        "Models",
        "GET",
        "/models",
        None,
        "{{access_token}}",
        [
            "const models = pm.response.json();",
            "pm.test('a Basic default', () => pm.expect(models.plan).to.eql('basic'));",
            "pm.collectionVariables.set('basic_model', models.default_model);",
            "const pro = models.items.find(m => !m.available);",
            "if (pro) { pm.collectionVariables.set('pro_model', pro.id); }",
        ],
    ),
    (
        "Uploads",
        "POST",
        "/uploads",
        {MULTIPART: {"filename": "packing-list.md", "content_type": "text/plain", "text": "# Goa\n- sunscreen"}},
        "{{access_token}}",
        [
            "pm.test('201', () => pm.response.to.have.status(201));",
            "const upload = pm.response.json();",
            "pm.test('text, by its bytes', () => pm.expect(upload.mime_type).to.eql('text/markdown'));",
            "pm.collectionVariables.set('upload_id', upload.id);",
        ],
    ),
    (
        "Uploads",
        "GET",
        "/uploads/{upload_id}",
        None,
        "{{access_token}}",
        [
            "pm.test('the bytes', () => pm.expect(pm.response.text()).to.eql('# Goa\\n- sunscreen'));",
            "pm.test('a download', () => pm.expect(pm.response.headers.get('Content-Disposition'))"
            ".to.contain('attachment'));",
        ],
    ),
    (
        "Uploads",
        "DELETE",
        "/uploads/{upload_id}",
        None,
        "{{access_token}}",
        [
            "pm.test('204', () => pm.response.to.have.status(204));",
        ],
    ),
    (
        "Uploads",
        "POST",
        "/uploads",
        {MULTIPART: {"filename": "itinerary.txt", "content_type": "text/plain", "text": "Day 1: Panaji"}},
        "{{access_token}}",
        [
            "pm.test('201', () => pm.response.to.have.status(201));",
            "pm.collectionVariables.set('attachment_id', pm.response.json().id);",
        ],
    ),
    (
        "Gems",
        "POST",
        "/gems",
        {"name": "Rail planner", "description": "Trips by train", "instructions": "Suggest trains, never flights."},
        "{{access_token}}",
        [
            "pm.test('201', () => pm.response.to.have.status(201));",
            "pm.collectionVariables.set('gem_id', pm.response.json().id);",
        ],
    ),
    (
        "Gems",
        "GET",
        "/gems",
        None,
        "{{access_token}}",
        [
            "pm.test('listed', () => pm.expect(pm.response.json().items.map(g => g.id))"
            ".to.include(pm.collectionVariables.get('gem_id')));",
        ],
    ),
    (
        "Gems",
        "PATCH",
        "/gems/{gem_id}",
        {"temperature": 0.5},
        "{{access_token}}",
        [
            "pm.test('edited', () => pm.expect(pm.response.json().temperature).to.eql(0.5));",
        ],
    ),
    (
        "Gems",
        "GET",
        "/gems/{gem_id}",
        None,
        "{{access_token}}",
        [
            "pm.test('read', () => pm.expect(pm.response.json().name).to.eql('Rail planner'));",
        ],
    ),
    (
        "Gems",
        "POST",
        "/chatroom",
        {"gem_id": "{{gem_id}}"},
        "{{access_token}}",
        [
            "pm.test('started from the gem', () =>"
            " pm.expect(pm.response.json().gem_instructions).to.eql('Suggest trains, never flights.'));",
        ],
    ),
    (
        "Gems",
        "DELETE",
        "/gems/{gem_id}",
        None,
        "{{access_token}}",
        [
            "pm.test('204', () => pm.response.to.have.status(204));",
        ],
    ),
    (
        "Chatrooms",
        "POST",
        "/chatroom",
        {"title": "Trip planning", "system_instruction": "Suggest trips by train.", "temperature": 0.4},
        "{{access_token}}",
        [
            "pm.test('201', () => pm.response.to.have.status(201));",
            "pm.test('its own instruction', () => pm.expect(pm.response.json().temperature).to.eql(0.4));",
            "pm.collectionVariables.set('chatroom_id', pm.response.json().id);",
        ],
    ),
    (
        "Chatrooms",
        "GET",
        "/chatroom",
        None,
        "{{access_token}}",
        [
            "pm.test('listed', () => pm.expect(pm.response.json().items.map(r => r.id))"
            ".to.include(pm.collectionVariables.get('chatroom_id')));",
        ],
    ),
    (
        "Chatrooms",
        "GET",
        "/chatroom/{chatroom_id}",
        None,
        "{{access_token}}",
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
        ],
    ),
    (
        "Chatrooms",
        "PATCH",
        "/chatroom/{chatroom_id}",
        {"model": "{{pro_model}}"},
        "{{access_token}}",
        [
            "pm.test('not on Basic', () => pm.response.to.have.status(403));",
            "pm.test('says which plan', () => pm.expect(pm.response.json().error.code).to.eql('MODEL_NOT_IN_PLAN'));",
        ],
    ),
    (
        "Chatrooms",
        "PATCH",
        "/chatroom/{chatroom_id}",
        {"model": "{{basic_model}}"},
        "{{access_token}}",
        [
            "pm.test('chosen', () => pm.expect(pm.response.json().effective_model)"
            ".to.eql(pm.collectionVariables.get('basic_model')));",
        ],
    ),
    (
        "Chatrooms",
        "PATCH",
        "/chatroom/{chatroom_id}",
        {"title": "Goa in December"},
        "{{access_token}}",
        [
            "pm.test('renamed', () => pm.expect(pm.response.json().title).to.eql('Goa in December'));",
        ],
    ),
    (
        "Chatrooms",
        "PATCH",
        "/chatroom/{chatroom_id}",
        {"pinned": True},
        "{{access_token}}",
        [
            "pm.test('pinned on top of the list', () => pm.expect(pm.response.json().pinned).to.eql(true));",
        ],
    ),
    (
        "Chatrooms",
        "POST",
        "/chatroom/{chatroom_id}/message",
        {"content": "Plan three days in Goa", "attachment_ids": ["{{attachment_id}}"]},
        "{{access_token}}",
        [
            "pm.test('202 at once', () => pm.response.to.have.status(202));",
            "pm.test('with its file', () => pm.expect(pm.response.json().message.attachments[0].filename)"
            ".to.eql('itinerary.txt'));",
            "pm.collectionVariables.set('message_id', pm.response.json().reply.id);",
            "pm.collectionVariables.set('reply_id', pm.response.json().reply.id);",
        ],
    ),
    (
        "Chatrooms",
        "GET",
        "/chatroom/{chatroom_id}/messages/{message_id}/stream",
        None,
        "{{access_token}}",
        [
            "pm.test('streamed to the end', () => pm.expect(pm.response.text()).to.include('event: done'));",
        ],
    ),
    (
        "Search",
        "GET",
        "/search",
        {QUERY: {"q": "goa -flights"}},
        "{{access_token}}",
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
            "const hits = pm.response.json().items;",
            "pm.test('the message, its word marked', () => pm.expect(hits.map(h => h.snippet).join(' '))"
            ".to.include('<mark>Goa</mark>'));",
        ],
    ),
    (
        "Chatrooms",
        "POST",
        "/chatroom/{chatroom_id}/shares",
        {},
        "{{access_token}}",
        [
            "pm.test('201', () => pm.response.to.have.status(201));",
            "pm.collectionVariables.set('share_id', pm.response.json().id);",
        ],
    ),
    (
        "Chatrooms",
        "GET",
        "/s/{share_id}",
        None,
        None,
        [
            "pm.test('public, not indexed', () => pm.expect(pm.response.headers.get('X-Robots-Tag'))"
            ".to.include('noindex'));",
            "pm.test('the conversation', () => pm.expect(pm.response.json().messages.length).to.be.above(1));",
        ],
    ),
    (
        "Chatrooms",
        "POST",
        "/s/{share_id}/copy",
        None,
        "{{access_token}}",
        [
            "pm.test('a chat of ones own', () => pm.response.to.have.status(201));",
        ],
    ),
    (
        "Chatrooms",
        "GET",
        "/shares",
        None,
        "{{access_token}}",
        [
            "pm.test('listed', () => pm.expect(pm.response.json().items.map(s => s.id))"
            ".to.include(pm.collectionVariables.get('share_id')));",
        ],
    ),
    (
        "Chatrooms",
        "DELETE",
        "/shares/{share_id}",
        None,
        "{{access_token}}",
        [
            "pm.test('revoked', () => pm.response.to.have.status(204));",
        ],
    ),
    (
        "Chatrooms",
        "GET",
        "/s/{share_id}",
        None,
        None,
        [
            "pm.test('gone at once', () => pm.response.to.have.status(404));",
        ],
    ),
    (
        "Chatrooms",
        "GET",
        "/chatroom/{chatroom_id}/messages/{message_id}",
        None,
        "{{access_token}}",
        [
            "pm.test('reply written', () => pm.expect(pm.response.json().status).to.eql('completed'));",
        ],
    ),
    (
        "Chatrooms",
        "GET",
        "/chatroom/{chatroom_id}/messages",
        None,
        "{{access_token}}",
        [
            "pm.test('two messages', () => pm.expect(pm.response.json().items.length).to.eql(2));",
        ],
    ),
    (
        "Chatrooms",
        "POST",
        "/chatroom/{chatroom_id}/messages/{reply_id}/continue",
        None,
        "{{access_token}}",
        [
            "pm.test('only a reply cut off at the output limit goes on', () =>"
            " pm.expect(pm.response.json().error.code).to.eql('CONFLICT'));",
        ],
    ),
    (
        "Chatrooms",
        "POST",
        "/chatroom/{chatroom_id}/messages/{reply_id}/regenerate",
        None,
        "{{access_token}}",
        [
            "pm.test('202 at once', () => pm.response.to.have.status(202));",
            "pm.test('a second version', () => pm.expect(pm.response.json().reply.sibling_count).to.eql(2));",
            "pm.collectionVariables.set('reply_id', pm.response.json().reply.id);",
        ],
    ),
    (
        "Chatrooms",
        "POST",
        "/chatroom/{chatroom_id}/messages/{reply_id}/cancel",
        None,
        "{{access_token}}",
        [
            "pm.test('stopped, unless it finished first', () => pm.expect([202, 409]).to.include(pm.response.code));",
        ],
    ),
    (
        "Chatrooms",
        "PATCH",
        "/chatroom/{chatroom_id}",
        {"active_leaf_id": "{{message_id}}"},
        "{{access_token}}",
        [
            "pm.test('first version shown again', () =>"
            " pm.expect(pm.response.json().active_leaf_id).to.eql(pm.collectionVariables.get('message_id')));",
            "pm.collectionVariables.set('reply_id', pm.collectionVariables.get('message_id'));",
        ],
    ),
    (
        "Chatrooms",
        "PUT",
        "/chatroom/{chatroom_id}/messages/{reply_id}/feedback",
        {"rating": "up", "comment": "Just what I needed"},
        "{{access_token}}",
        [
            "pm.test('kept', () => pm.expect(pm.response.json().feedback.rating).to.eql('up'));",
        ],
    ),
    (
        "Chatrooms",
        "POST",
        "/chatroom/{chatroom_id}/fork",
        {"message_id": "{{message_id}}"},
        "{{access_token}}",
        [
            "pm.test('201', () => pm.response.to.have.status(201));",
            "pm.test('a copy', () => pm.expect(pm.response.json().title).to.include('(copy)'));",
        ],
    ),
    (
        "Subscriptions",
        "GET",
        "/subscription/status",
        None,
        "{{access_token}}",
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
        ],
    ),
    (
        "Subscriptions",
        "POST",
        "/subscribe/pro",
        None,
        "{{access_token}}",
        [
            "pm.test('checkout url', () => pm.expect(pm.response.json().checkout_url).to.be.a('string'));",
        ],
    ),
    (
        "Subscriptions",
        "POST",
        "/subscription/portal",
        None,
        "{{access_token}}",
        [
            "pm.test('portal url', () => pm.expect(pm.response.json().url).to.be.a('string'));",
        ],
    ),
    (
        "Subscriptions",
        "POST",
        "/webhook/stripe",
        {"id": "evt_unsigned"},
        None,
        [
            "pm.test('unsigned events are refused', () => pm.expect(pm.response.json().error.code)"
            ".to.eql('INVALID_SIGNATURE'));",
        ],
    ),
    (
        "Chatrooms",
        "DELETE",
        "/chatroom/{chatroom_id}",
        None,
        "{{access_token}}",
        [
            "pm.test('204', () => pm.response.to.have.status(204));",
        ],
    ),
    (
        "Exports",
        "POST",
        "/exports",
        None,
        "{{access_token}}",
        [
            "pm.test('202, written in the background', () => pm.response.to.have.status(202));",
            "pm.collectionVariables.set('export_id', pm.response.json().id);",
        ],
    ),
    (
        "Exports",
        "GET",
        "/exports/{export_id}",
        None,
        "{{access_token}}",
        [
            "pm.test('how far it got', () => pm.expect(['pending', 'writing', 'ready'])"
            ".to.include(pm.response.json().status));",
        ],
    ),
    (
        "Exports",
        "GET",
        "/exports/{export_id}/archive",
        None,
        "{{access_token}}",
        [
            "pm.test('the zip once ready, 409 before', () => pm.expect([200, 409]).to.include(pm.response.code));",
        ],
    ),
    (
        "Exports",
        "POST",
        "/imports",
        {MULTIPART: {"filename": "conversations.json", "content_type": "application/json", "text": CHATGPT_EXPORT}},
        "{{access_token}}",
        [
            "pm.test('201', () => pm.response.to.have.status(201));",
            "pm.test('a chat of ones own', () => pm.expect(pm.response.json().chatrooms[0].title)"
            ".to.eql('From ChatGPT'));",
        ],
    ),
    ("Operations", "GET", "/health", None, None, ["pm.test('200', () => pm.response.to.have.status(200));"]),
    ("Operations", "GET", "/ready", None, None, ["pm.test('200', () => pm.response.to.have.status(200));"]),
    (
        "Operations",
        "GET",
        "/metrics",
        None,
        None,
        [
            "pm.test('prometheus', () => pm.expect(pm.response.text()).to.include('http_requests_total'));",
        ],
    ),
    # Last: it ends the account the flow ran as.
    (
        "Leaving",
        "POST",
        "/auth/send-confirmation-code",
        None,
        "{{access_token}}",
        [
            "pm.test('200', () => pm.response.to.have.status(200));",
            "pm.collectionVariables.set('confirmation_code', pm.response.json().otp);",
        ],
    ),
    (
        "Leaving",
        "DELETE",
        "/user/me",
        {"otp": "{{confirmation_code}}"},
        "{{access_token}}",
        [
            "pm.test('deleted', () => pm.response.to.have.status(204));",
        ],
    ),
    (
        "Leaving",
        "GET",
        "/user/me",
        None,
        "{{access_token}}",
        [
            "pm.test('gone at once', () => pm.response.to.have.status(401));",
        ],
    ),
]

# Fresh numbers per run, so the flow can run again against the same database.
COLLECTION_PREREQUEST = [
    "for (const name of ['mobile_number', 'second_number']) {",
    "  if (!pm.collectionVariables.get(name)) {",
    "    pm.collectionVariables.set(name, '+4477009' + String(Math.floor(10000 + Math.random() * 89999)));",
    "  }",
    "}",
]


def openapi_document() -> dict[str, Any]:
    from entrypoints.container import build_container, use_case_providers
    from entrypoints.http.app import create_app
    from entrypoints.settings import load_settings

    settings = load_settings({"APP_ENV": "development", "ADAPTERS": "memory"}, env_file=None)
    app = create_app(use_case_providers(build_container(settings)), max_body_bytes=settings.max_body_bytes)
    return app.openapi_schema.to_schema()


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found[(method.upper(), path)] = operation
    return found


def collection(document: dict[str, Any]) -> dict[str, Any]:
    documented = operations(document)
    in_flow = {(method, path) for _, method, path, *_ in FLOW}
    if in_flow != set(documented):
        missing, stale = set(documented) - in_flow, in_flow - set(documented)
        raise SystemExit(
            f"the flow and the OpenAPI document disagree: missing {sorted(missing)}, stale {sorted(stale)}"
        )
    folders: dict[str, list[dict[str, Any]]] = {}
    for folder, method, path, body, token, tests in FLOW:
        operation = documented[(method, path)]
        url_path = re.sub(r"\{(\w+)\}", r"{{\1}}", path)
        query = body.get(QUERY, {}) if body is not None else {}
        body = {key: value for key, value in body.items() if key != QUERY} or None if body is not None else None
        raw_query = "?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else ""
        request: dict[str, Any] = {
            "method": method,
            "header": [],
            "url": {
                "raw": "{{baseUrl}}" + url_path + raw_query,
                "host": ["{{baseUrl}}"],
                "path": url_path.strip("/").split("/"),
                **({"query": [{"key": key, "value": value} for key, value in query.items()]} if query else {}),
            },
            "description": operation.get("description") or operation.get("summary", ""),
        }
        request["auth"] = (
            {"type": "bearer", "bearer": [{"key": "token", "value": token, "type": "string"}]}
            if token
            else {"type": "noauth"}
        )
        if body is not None and MULTIPART in body:
            # A form with one file, written out: Postman and newman send it as it is.
            part = body[MULTIPART]
            request["header"].append({"key": "Content-Type", "value": f"multipart/form-data; boundary={BOUNDARY}"})
            form = (
                f"--{BOUNDARY}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{part["filename"]}"\r\n'
                f"Content-Type: {part['content_type']}\r\n\r\n{part['text']}\r\n--{BOUNDARY}--\r\n"
            )
            request["body"] = {"mode": "raw", "raw": form}
        elif body is not None:
            request["header"].append({"key": "Content-Type", "value": "application/json"})
            request["body"] = {"mode": "raw", "raw": json.dumps(body, indent=2)}
        folders.setdefault(folder, []).append(
            {
                "name": operation.get("summary") or f"{method} {path}",
                "request": request,
                "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": tests}}],
            }
        )
    return {
        "info": {
            "name": document["info"]["title"],
            "description": "Generated from the OpenAPI document by scripts/generate_postman.py; do not edit by hand.",
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "event": [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": COLLECTION_PREREQUEST}}],
        "variable": [
            {"key": name, "value": ""}
            for name in (
                "mobile_number",
                "second_number",
                "otp",
                "access_token",
                "refresh_token",
                "reset_otp",
                "signup_otp",
                "signup_token",
                "second_token",
                "chatroom_id",
                "message_id",
                "basic_model",
                "pro_model",
                "gem_id",
                "upload_id",
            )
        ],
        "item": [{"name": name, "item": items} for name, items in folders.items()],
    }


def environment() -> dict[str, Any]:
    return {
        "name": "Local (make run)",
        "values": [
            {"key": "baseUrl", "value": "http://127.0.0.1:8000", "enabled": True},
            {"key": "password", "value": "a long test password", "enabled": True},
        ],
    }


def render() -> dict[Path, str]:
    return {
        COLLECTION: json.dumps(collection(openapi_document()), indent=2) + "\n",
        ENVIRONMENT: json.dumps(environment(), indent=2) + "\n",
    }


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for path, text in render().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
