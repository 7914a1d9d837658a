// The reference web client. It uses only the public HTTP API (docs/api.md): nothing it
// does is unavailable to other clients. Replies are followed with the browser's own
// EventSource, which reconnects with Last-Event-ID by itself.
import { api, ApiError, hasSession, signIn, uploadFile } from "./api.js";
import { renderMarkdown, renderSnippet } from "./markdown.js";

const $ = (id) => document.getElementById(id);
const FINISHED = new Set(["completed", "failed", "cancelled"]);
const UNTITLED = "New chat";
const MESSAGES_PAGE = 50;
const MAX_FILES = 10;
const ROOMS_PAGE = 30;
// What is typed survives a reload and a trip to the checkout (this tab only).
const DRAFT = "chat.draft";
const RETURN_TO = "chat.return-to";
const phone = window.matchMedia("(max-width: 760px)");

const state = {
  me: null,
  usage: null,
  rooms: [],
  roomsCursor: null,
  roomsDone: false,
  roomsLoading: false,
  room: null, // the chatroom shown; null for a new chat not yet sent
  messages: [], // its branch, oldest first
  olderCursor: null,
  opening: 0, // the latest room asked for: older answers are dropped
  streams: new Map(), // reply id -> EventSource
  editing: null, // the user message being edited
  draft: null, // {fingerprint, key}: sending the same thing again after a failure counts once
  gems: [],
  models: null, // GET /models: the catalogue as this person's plan sees it
  newChatModel: undefined, // the model picked for the chat not yet sent (undefined: the gem's or the default)
  startGem: null, // the gem the new chat will be started from
  showArchived: false, // the list shows the archived chats instead of the others
  newChatTemporary: false, // the chat not yet sent will be temporary
  editingGem: null, // the gem the dialog edits; null for a new one
  // Files chosen for the next message, each uploaded as soon as it is chosen:
  // {key, name, preview (an object URL, images only), uploading (a promise), upload, error}
  files: [],
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const find = (id) => state.messages.find((message) => message.id === id);
const writing = () => state.messages.filter((m) => m.role === "model" && !FINISHED.has(m.status));

function element(tag, { className, text, attrs = {} } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== false && value !== undefined) node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

// Icons drawn here rather than taken from a font: not every system has emoji.
const ICONS = {
  up: "M2 10h4v11H2zM8 21h9.3a2 2 0 0 0 2-1.6l1.6-7A2 2 0 0 0 19 10h-5.5l.8-4.3A2 2 0 0 0 12.4 3.4L8 9z",
  down: "M2 3h4v11H2zM8 3h9.3a2 2 0 0 1 2 1.6l1.6 7A2 2 0 0 1 19 14h-5.5l.8 4.3a2 2 0 0 1-1.9 2.3L8 15z",
};

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("icon");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

function button(label, onClick, { className = "small", attrs } = {}) {
  const node = element("button", { className, text: label, attrs: { type: "button", ...attrs } });
  node.addEventListener("click", () => act(onClick));
  return node;
}

function when(iso) {
  return new Date(iso).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
}

// ---- feedback to the person --------------------------------------------------------

let noticeTimer = 0;

function showNotice(text) {
  $("notice").textContent = text;
  $("notice").hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { $("notice").hidden = true; }, 6000);
}

function showAlert(text, { offerPro = false } = {}) {
  $("alert-text").textContent = text;
  $("alert-pro").hidden = !offerPro;
  $("alert").hidden = false;
}

function hideAlert() {
  $("alert").hidden = true;
}

// Every action goes through here: an ended session leads back to sign-in, any other
// failure is said in words and nothing typed is lost.
async function act(action) {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof ApiError)) {
      showAlert("Something went wrong on this page. Reload it and try again.");
      throw error;
    }
    if (error.code === "UNAUTHENTICATED") {
      showSignIn("Your session ended. Sign in again.");
    } else if (error.code === "DAILY_LIMIT_REACHED") {
      await refreshUsage();
      const reset = state.usage?.resets_at ? ` More at ${when(state.usage.resets_at)}.` : "";
      showAlert(`You have used today's ${state.usage?.daily_limit ?? ""} messages.${reset} Pro has no daily limit.`, {
        offerPro: true,
      });
    } else {
      // A model of a higher plan: the way to it is Pro.
      showAlert(error.message, { offerPro: error.code === "MODEL_NOT_IN_PLAN" });
    }
  }
}

// ---- signing in and out ------------------------------------------------------------

function showSignIn(message) {
  closeStreams();
  Object.assign(state, { me: null, usage: null, rooms: [], room: null, messages: [], editing: null, gems: [] });
  // Nothing of the last person's stays in the page, hidden or not.
  $("messages").replaceChildren();
  $("rooms").replaceChildren();
  $("gems").replaceChildren();
  $("app").hidden = true;
  $("signin").hidden = false;
  $("phone-form").hidden = false;
  $("code-form").hidden = true;
  if (message) showNotice(message);
  $("phone").focus();
}

async function sendCode(event) {
  event.preventDefault();
  const number = $("phone").value.trim();
  if (!number) return showAlert("Enter your mobile number, with its country code.");
  const sent = await signIn.sendCode(number);
  hideAlert();
  $("code-number").textContent = number;
  $("phone-form").hidden = true;
  $("code-form").hidden = false;
  $("code").value = "";
  // Development only: the API hands the code back, so it is shown and filled in.
  $("dev-code").hidden = !sent.otp;
  if (sent.otp) {
    $("code").value = sent.otp;
    $("dev-code").textContent = `Development: your code is ${sent.otp}, filled in for you.`;
  }
  $("code").focus();
}

async function verifyCode(event) {
  event.preventDefault();
  const signedIn = await signIn.verify($("phone").value.trim(), $("code").value.trim());
  hideAlert();
  state.me = signedIn.user;
  await showApp();
  // What the person should know about the account (a removed password, say).
  if (signedIn.notices?.length) showNotice(signedIn.notices.map((notice) => notice.message).join(" "));
}

async function signOut() {
  await signIn.signOut().catch(() => undefined);
  sessionStorage.removeItem(DRAFT);
  history.replaceState(null, "", "/");
  showSignIn("You are signed out.");
}

// ---- the app -----------------------------------------------------------------------

async function showApp() {
  $("signin").hidden = true;
  $("app").hidden = false;
  $("composer-input").value = sessionStorage.getItem(DRAFT) ?? "";
  fitComposer();
  renderPlan();
  await Promise.all([refreshUsage(), loadRooms({ reset: true }), loadGems(), loadModels()]);
  await openFromLocation();
}

function roomIdInLocation() {
  const found = /^#c\/([0-9a-f-]{36})$/.exec(location.hash);
  return found ? found[1] : null;
}

async function openFromLocation() {
  if (!state.me) return;
  const id = roomIdInLocation();
  if (id === null) showNewChat();
  else if (id !== state.room?.id) await openRoom(id);
}

// ---- plan and quota ----------------------------------------------------------------

async function refreshUsage() {
  state.usage = await api("GET", "/user/usage");
  renderPlan();
}

function renderPlan() {
  const usage = state.usage;
  const pro = (usage?.tier ?? state.me?.tier) === "pro";
  $("plan").textContent = pro ? "Pro plan" : "Basic plan";
  $("go-pro").hidden = pro;
  $("billing").hidden = !pro;
  if (!usage) $("quota").textContent = "";
  else if (pro) $("quota").textContent = "Pro: no daily limit.";
  else if (usage.remaining > 0) {
    $("quota").textContent = `${usage.remaining} of ${usage.daily_limit} messages left today.`;
  } else {
    $("quota").textContent = `Daily limit reached. More at ${when(usage.resets_at)}, or go Pro.`;
  }
}

async function goPro() {
  try {
    const checkout = await api("POST", "/subscribe/pro");
    sessionStorage.setItem(RETURN_TO, location.hash);
    location.assign(checkout.checkout_url);
  } catch (error) {
    if (error.status !== 409) throw error;
    await refreshUsage();
    showNotice("You are already on Pro.");
  }
}

async function openBillingPortal() {
  const portal = await api("POST", "/subscription/portal");
  sessionStorage.setItem(RETURN_TO, location.hash);
  location.assign(portal.url);
}

// Back from the payment provider (its return address is the page, with a query): the
// chat open before leaving opens again. The plan changes when the provider's webhook
// says so, not when the browser comes back, so the page waits for it.
function cameBackFromPayments() {
  const params = new URLSearchParams(location.search);
  if (![...params.keys()].length) return null;
  history.replaceState(null, "", "/" + (sessionStorage.getItem(RETURN_TO) ?? location.hash));
  sessionStorage.removeItem(RETURN_TO);
  return params;
}

async function afterPayments(params) {
  if (params.get("checkout") === "cancelled") return showNotice("Checkout cancelled: nothing was charged.");
  if (params.get("billing") === "fake-portal") {
    return showNotice("Development: the fake payment provider has no billing portal to show.");
  }
  if (params.get("checkout") !== "success") return;
  showNotice("Payment received. Waiting for its confirmation…");
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const status = await api("GET", "/subscription/status");
    if (status.tier === "pro") {
      await Promise.all([refreshUsage(), loadModels()]);
      if (state.room) await refreshRoom();
      hideAlert();
      return showNotice("You are on Pro now: no daily limit.");
    }
    await sleep(1000);
  }
  showNotice("The payment is not confirmed yet. Your plan changes as soon as it is.");
}

// ---- the list of chats -------------------------------------------------------------

async function loadRooms({ reset = false } = {}) {
  if (state.roomsLoading || (!reset && state.roomsDone)) return;
  state.roomsLoading = true;
  try {
    const cursor = reset ? null : state.roomsCursor;
    const archived = state.showArchived ? "&archived=true" : "";
    const query = `limit=${ROOMS_PAGE}${archived}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await api("GET", `/chatroom?${query}`);
    state.rooms = reset ? page.items : [...state.rooms, ...page.items];
    state.roomsCursor = page.next_cursor;
    state.roomsDone = !page.next_cursor;
  } finally {
    state.roomsLoading = false;
  }
  renderRooms();
  // Still at the end of the list (a tall screen): the next page too.
  if (!state.roomsDone && sentinelInView()) await loadRooms();
}

function sentinelInView() {
  const box = $("rooms-scroll").getBoundingClientRect();
  return $("rooms-more").getBoundingClientRect().top < box.bottom;
}

function renderRooms() {
  $("rooms").replaceChildren(
    ...state.rooms.map((room) => {
      const current = room.id === state.room?.id;
      const link = element("a", { text: room.title, attrs: { href: `#c/${room.id}`, "aria-current": current && "page" } });
      if (room.pinned) link.prepend(element("span", { className: "pin-mark", text: "Pinned", attrs: { "aria-label": "Pinned:" } }));
      return element("li", {}, link);
    }),
  );
  const more = $("rooms-more");
  more.hidden = state.roomsDone && state.rooms.length > 0;
  more.textContent = state.roomsDone ? (state.showArchived ? "No archived chats." : "No chats yet.") : "Loading…";
  $("rooms-title").textContent = state.showArchived ? "Archived chats" : "Chats";
  $("show-archived").textContent = state.showArchived ? "Back to chats" : "Archived";
  $("show-archived").setAttribute("aria-pressed", String(state.showArchived));
}

// The list's order: pinned chats first, then the latest activity first. A temporary chat
// is never in it, and an archived one only in the archived list.
function putRoomFirst(room) {
  const others = state.rooms.filter((r) => r.id !== room.id);
  if (room.temporary || room.archived !== state.showArchived) {
    state.rooms = others;
  } else {
    const at = room.pinned ? 0 : others.findIndex((r) => !r.pinned);
    others.splice(at === -1 ? others.length : at, 0, room);
    state.rooms = others;
  }
  renderRooms();
}

// ---- search ------------------------------------------------------------------------

let searchTimer = 0;
let searchTicket = 0;

function searchSoon() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => act(runSearch), 250);
}

async function runSearch() {
  const q = $("search").value.trim();
  const ticket = ++searchTicket;
  $("search-results").hidden = !q;
  $("rooms-scroll").hidden = Boolean(q);
  if (!q) return;
  $("search-status").textContent = "Searching…";
  const page = await api("GET", `/search?q=${encodeURIComponent(q)}&limit=30`);
  if (ticket !== searchTicket) return; // a later search answers instead
  $("search-status").textContent = page.items.length ? "" : `Nothing matches “${q}”.`;
  $("hits").replaceChildren(
    ...page.items.map((hit) => {
      const snippet = element("span", { className: "hit-snippet" });
      snippet.innerHTML = renderSnippet(hit.snippet);
      const where = { user: "You: ", model: "Reply: " }[hit.role] ?? "Title: ";
      snippet.prepend(element("span", { className: "hit-kind", text: where }));
      const link = element(
        "a",
        { attrs: { href: `#c/${hit.chatroom_id}` } },
        element("span", { className: "hit-title", text: hit.chatroom_title }),
        snippet,
      );
      return element("li", {}, link);
    }),
  );
}

function clearSearch() {
  $("search").value = "";
  searchTicket += 1;
  $("search-results").hidden = true;
  $("rooms-scroll").hidden = false;
}

// A frozen copy of the chat as it is now, behind a new link; the link is copied.
async function shareRoom() {
  const share = await api("POST", `/chatroom/${state.room.id}/shares`, {});
  try {
    await navigator.clipboard.writeText(share.url);
    showNotice(`Link copied: ${share.url}. Anyone with it can read this chat as it is now.`);
  } catch {
    showNotice(`Anyone with this link can read this chat as it is now: ${share.url}`);
  }
}

async function toggleArchivedList() {
  state.showArchived = !state.showArchived;
  state.roomsDone = false;
  await loadRooms({ reset: true });
}

async function organise(change) {
  const room = await api("PATCH", `/chatroom/${state.room.id}`, change);
  state.room = { ...state.room, pinned: room.pinned, archived: room.archived };
  putRoomFirst(state.room);
  renderHead();
  if ("archived" in change) showNotice(room.archived ? `Archived “${room.title}”.` : `“${room.title}” is back in your chats.`);
}

function renameInList(id, title) {
  const found = state.rooms.find((r) => r.id === id);
  if (found) found.title = title;
  renderRooms();
}

// ---- one chat ----------------------------------------------------------------------

function showNewChat() {
  closeStreams();
  state.opening += 1;
  Object.assign(state, {
    room: null,
    messages: [],
    olderCursor: null,
    editing: null,
    startGem: null,
    newChatModel: undefined,
    newChatTemporary: false,
  });
  renderHead();
  renderMessages();
  renderRooms();
  $("composer-input").focus();
}

async function openRoom(id) {
  const ticket = ++state.opening;
  closeStreams();
  let room;
  let page;
  try {
    [room, page] = await Promise.all([
      api("GET", `/chatroom/${id}`),
      api("GET", `/chatroom/${id}/messages?limit=${MESSAGES_PAGE}`),
    ]);
  } catch (error) {
    if (error.status !== 404) throw error;
    showAlert("That chat does not exist, or it is not yours.");
    location.hash = "";
    return;
  }
  if (ticket !== state.opening) return;
  Object.assign(state, { room, messages: page.items, olderCursor: page.next_cursor, editing: null });
  renderHead();
  renderMessages({ toBottom: true });
  renderRooms();
  followUnfinished();
}

async function reloadBranch() {
  const room = state.room;
  const page = await api("GET", `/chatroom/${room.id}/messages?limit=${MESSAGES_PAGE}`);
  if (state.room?.id !== room.id) return;
  closeStreams();
  Object.assign(state, { messages: page.items, olderCursor: page.next_cursor, editing: null });
  renderMessages({ toBottom: true });
  followUnfinished();
}

async function showOlder() {
  const room = state.room;
  const page = await api(
    "GET",
    `/chatroom/${room.id}/messages?limit=${MESSAGES_PAGE}&cursor=${encodeURIComponent(state.olderCursor)}`,
  );
  if (state.room?.id !== room.id) return;
  const scroller = $("scroller");
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  state.messages = [...page.items, ...state.messages];
  state.olderCursor = page.next_cursor;
  renderMessages();
  scroller.scrollTop = scroller.scrollHeight - fromBottom;
}

function renderHead() {
  $("room-title").textContent =
    state.room?.title ?? (state.startGem ? `New chat with ${state.startGem.name}` : UNTITLED);
  $("room-title").hidden = false;
  $("rename-form").hidden = true;
  $("rename").hidden = !state.room;
  $("chat-settings").hidden = !state.room;
  $("delete").hidden = !state.room;
  const listed = state.room && !state.room.temporary;
  $("share").hidden = !listed;
  $("pin").hidden = !listed;
  $("archive").hidden = !listed;
  if (listed) {
    $("pin").textContent = state.room.pinned ? "Unpin" : "Pin";
    $("pin").setAttribute("aria-pressed", String(state.room.pinned));
    $("archive").textContent = state.room.archived ? "Unarchive" : "Archive";
  }
  $("temporary-notice").hidden = !(state.room ? state.room.temporary : state.newChatTemporary);
  $("temporary-choice").hidden = Boolean(state.room);
  $("temporary").checked = state.newChatTemporary;
  document.title = state.room ? `${state.room.title} – Chat` : "Chat";
  renderModelPicker();
}

// ---- models --------------------------------------------------------------------------

async function loadModels() {
  state.models = await api("GET", "/models");
  renderModelPicker();
}

const modelNamed = (id) => state.models?.items.find((model) => model.id === id);
const modelName = (id) => modelNamed(id)?.display_name ?? id;

function modelOptions(select, chosen) {
  const models = state.models;
  if (!models) return;
  const options = [element("option", { text: `Default (${modelName(models.default_model)})`, attrs: { value: "" } })];
  for (const model of models.items) {
    // Pro models are marked; those of a plan this person lacks say how to get them.
    const plan = model.plan === "pro" ? " · Pro" : "";
    const lacking = model.available ? "" : " (upgrade)";
    options.push(element("option", { text: `${model.display_name}${plan}${lacking}`, attrs: { value: model.id } }));
  }
  select.replaceChildren(...options);
  select.value = chosen ?? "";
}

function chosenModel() {
  if (state.room) return state.room.model;
  return state.newChatModel !== undefined ? state.newChatModel : (state.startGem?.model ?? null);
}

function renderModelPicker() {
  modelOptions($("model-picker"), chosenModel());
  const notice = state.room?.model_notice;
  $("model-notice").textContent = notice ?? "";
  $("model-notice").hidden = !notice;
}

async function chooseModel() {
  const id = $("model-picker").value || null;
  const model = modelNamed(id);
  if (model && !model.available) {
    renderModelPicker();
    return showAlert(`${model.display_name} is on the Pro plan. Go Pro to use it.`, { offerPro: true });
  }
  if (!state.room) {
    state.newChatModel = id;
    return;
  }
  try {
    const room = await api("PATCH", `/chatroom/${state.room.id}`, { model: id });
    state.room = { ...state.room, model: room.model, effective_model: room.effective_model, model_notice: room.model_notice };
    showNotice(`Replies in this chat are written by ${modelName(room.effective_model)} from now on.`);
  } finally {
    renderModelPicker();
  }
}

async function refreshRoom() {
  const room = await api("GET", `/chatroom/${state.room.id}`);
  if (state.room?.id !== room.id) return;
  state.room = { ...state.room, model: room.model, effective_model: room.effective_model, model_notice: room.model_notice };
  renderModelPicker();
}

function startRename() {
  $("rename-input").value = state.room.title;
  $("room-title").hidden = true;
  $("rename-form").hidden = false;
  $("rename").hidden = true;
  $("rename-input").focus();
  $("rename-input").select();
}

async function rename(event) {
  event.preventDefault();
  const title = $("rename-input").value.trim();
  if (!title) return;
  const room = await api("PATCH", `/chatroom/${state.room.id}`, { title });
  state.room = { ...state.room, title: room.title };
  renameInList(room.id, room.title);
  renderHead();
  $("rename").focus();
}

async function deleteRoom() {
  const room = state.room;
  if (!window.confirm(`Delete “${room.title}” and all its messages?`)) return;
  await api("DELETE", `/chatroom/${room.id}`);
  state.rooms = state.rooms.filter((r) => r.id !== room.id);
  showNotice(`Deleted “${room.title}”.`);
  location.hash = "";
  showNewChat();
}

// The title the model suggests after the first exchange arrives by itself.
async function watchTitle(id) {
  for (const wait of [500, 1000, 2000, 4000, 8000]) {
    await sleep(wait);
    const room = await api("GET", `/chatroom/${id}`).catch(() => null);
    // Renamed by the person while this was asked: theirs stands (an answer read before
    // their rename must not put the model's title back).
    const shown = state.room?.id === id ? state.room.title : state.rooms.find((r) => r.id === id)?.title;
    if (shown && shown !== UNTITLED) return;
    if (room && room.title !== UNTITLED) {
      renameInList(id, room.title);
      if (state.room?.id === id) {
        state.room = { ...state.room, title: room.title };
        if ($("rename-form").hidden) renderHead();
      }
      return;
    }
  }
}

// ---- messages ----------------------------------------------------------------------

function nearBottom() {
  const scroller = $("scroller");
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
}

function toBottom() {
  $("scroller").scrollTop = $("scroller").scrollHeight;
}

function renderMessages({ toBottom: scroll = false } = {}) {
  $("messages").replaceChildren(...state.messages.map(messageItem));
  $("empty").hidden = state.messages.length > 0;
  $("older").hidden = !state.olderCursor;
  renderComposer();
  if (scroll) toBottom();
}

function repaint(message) {
  const stick = nearBottom();
  const old = document.querySelector(`#messages > li[data-id="${message.id}"]`);
  if (old) old.replaceWith(messageItem(message));
  renderComposer();
  if (stick) toBottom();
}

// Chunks arrive faster than a screen refreshes: paint each reply at most once a frame.
const toPaint = new Set();
function repaintSoon(message) {
  if (!toPaint.size) {
    requestAnimationFrame(() => {
      const stick = nearBottom();
      for (const id of toPaint) {
        const found = find(id);
        const bubble = document.querySelector(`#messages > li[data-id="${id}"] .bubble`);
        if (found && bubble) bubble.innerHTML = renderMarkdown(found.content);
      }
      toPaint.clear();
      if (stick) toBottom();
    });
  }
  toPaint.add(message.id);
}

function messageItem(message) {
  const item = element("li", { className: `msg ${message.role}`, attrs: { "data-id": message.id } });
  if (state.editing === message.id) {
    item.append(editForm(message));
    return item;
  }
  const bubble = element("div", { className: "bubble" });
  if (message.role === "model") {
    bubble.innerHTML = renderMarkdown(message.content);
    // Screen readers read a reply once it is written, not every fragment of it.
    if (!FINISHED.has(message.status)) {
      item.classList.add("writing");
      item.setAttribute("aria-busy", "true");
    }
  } else {
    bubble.textContent = message.content;
  }
  if (message.attachments?.length) item.append(attachmentList(message.attachments));
  if (message.content || message.role === "model") item.append(bubble);
  item.append(metaRow(message));
  return item;
}

function describe(file) {
  if (file.kind === "image") return `${file.width}×${file.height}`;
  if (file.kind === "pdf") return `${file.pages} page${file.pages === 1 ? "" : "s"}`;
  return `${Math.max(1, Math.round(file.size_bytes / 1024))} KB`;
}

// A message's files: pictures as thumbnails, the rest as named links; each opens the
// owner's copy (the browser sends the session cookie; nobody else gets it).
function attachmentList(attachments) {
  return element(
    "ul",
    { className: "attachments", attrs: { "aria-label": "Files sent" } },
    ...attachments.map((file) => {
      const link = element("a", {
        className: `attachment ${file.kind}`,
        attrs: { href: `/uploads/${file.id}`, target: "_blank", rel: "noopener", title: file.filename },
      });
      if (file.kind === "image") {
        link.append(element("img", { attrs: { src: `/uploads/${file.id}`, alt: file.filename, loading: "lazy" } }));
      } else {
        link.append(
          element("span", { className: "file-name", text: file.filename }),
          element("span", { className: "file-facts", text: `${file.kind === "pdf" ? "PDF" : "Text"} · ${describe(file)}` }),
        );
      }
      return element("li", {}, link);
    }),
  );
}

function versionSwitch(message) {
  const label = `${message.sibling_index + 1} / ${message.sibling_count}`;
  return element(
    "span",
    { className: "versions", attrs: { role: "group", "aria-label": `Version ${label.replace(" / ", " of ")}` } },
    button("‹", () => switchTo(message.previous_sibling_id), {
      className: "small ghost",
      attrs: { "aria-label": "Previous version", disabled: !message.previous_sibling_id },
    }),
    element("span", { text: label, attrs: { "aria-hidden": "true" } }),
    button("›", () => switchTo(message.next_sibling_id), {
      className: "small ghost",
      attrs: { "aria-label": "Next version", disabled: !message.next_sibling_id },
    }),
  );
}

function metaRow(message) {
  const row = element("div", { className: "msg-meta" });
  if (message.sibling_count > 1) row.append(versionSwitch(message));
  if (message.role === "user") {
    row.append(button("Edit", () => startEdit(message)));
    return row;
  }
  if (message.status === "pending") row.append(element("span", { className: "msg-status", text: "Waiting for the model…" }));
  if (message.status === "cancelled") row.append(element("span", { className: "msg-status", text: "Stopped." }));
  if (message.status === "failed") {
    row.append(element("span", { className: "msg-status failed", text: message.error || "The reply failed." }));
  }
  if (!FINISHED.has(message.status)) return row;
  if (message.model) row.append(element("span", { className: "msg-model", text: modelName(message.model) }));
  if (message.finish_reason === "length") row.append(button("Continue", () => continueReply(message)));
  row.append(button("Regenerate", () => regenerate(message)));
  if (message.status === "completed") {
    row.append(button("Copy", () => copy(message)));
    for (const [rating, label] of [["up", "Good reply"], ["down", "Bad reply"]]) {
      const thumb = button("", () => rate(message, rating), {
        className: "small ghost",
        attrs: { "aria-label": label, "aria-pressed": String(message.feedback?.rating === rating) },
      });
      thumb.append(icon(rating));
      row.append(thumb);
    }
  }
  return row;
}

function editForm(message) {
  const input = element("textarea", { attrs: { "aria-label": "Edit your message", maxlength: "8000" } });
  input.value = message.content;
  const form = element(
    "form",
    { className: "edit" },
    input,
    element(
      "div",
      {},
      button("Cancel", () => {
        state.editing = null;
        renderMessages();
      }),
      element("button", { className: "small primary", text: "Send", attrs: { type: "submit" } }),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // The new version keeps the files of the one it replaces.
    act(() => send(input.value, { parentId: message.parent_id, attachmentIds: (message.attachments ?? []).map((f) => f.id) }));
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      state.editing = null;
      renderMessages();
    }
  });
  requestAnimationFrame(() => input.focus());
  return form;
}

function startEdit(message) {
  state.editing = message.id;
  renderMessages();
}

function replace(message) {
  const index = state.messages.findIndex((m) => m.id === message.id);
  if (index === -1) return;
  state.messages[index] = message;
  repaint(message);
}

// ---- following replies -------------------------------------------------------------

function followUnfinished() {
  for (const message of writing()) follow(message);
}

function follow(reply) {
  if (state.streams.has(reply.id)) return;
  const source = new EventSource(`/chatroom/${reply.chatroom_id}/messages/${reply.id}/stream`);
  state.streams.set(reply.id, source);
  // A new stream starts at the reply's first word: what the page showed is replaced, so
  // nothing appears twice. The browser's own reconnections go on from Last-Event-ID.
  let fresh = true;
  const current = () => {
    const found = find(reply.id);
    if (found && fresh) found.content = "";
    fresh = false;
    return found;
  };
  source.addEventListener("chunk", (event) => {
    const found = current();
    if (!found) return;
    found.content += JSON.parse(event.data).text;
    if (found.status === "pending") {
      found.status = "streaming";
      repaint(found);
    } else repaintSoon(found);
  });
  source.addEventListener("reset", () => {
    const found = current();
    if (found) repaint(Object.assign(found, { content: "" }));
  });
  for (const name of ["done", "cancelled"]) {
    source.addEventListener(name, (event) => finished(JSON.parse(event.data)));
  }
  source.addEventListener("error", (event) => {
    // The server's own `error` event: the reply failed (read it if the event does not
    // carry it). A bare one is the connection: the browser retries by itself unless
    // the stream was refused.
    const failed = event.data ? JSON.parse(event.data).message : undefined;
    if (failed) finished(failed);
    else if (event.data || source.readyState === EventSource.CLOSED) act(() => recover(reply));
  });
  source.addEventListener("unauthenticated", () => act(() => recover(reply)));
}

function unfollow(id) {
  state.streams.get(id)?.close();
  state.streams.delete(id);
}

function closeStreams() {
  for (const id of [...state.streams.keys()]) unfollow(id);
}

function finished(message) {
  unfollow(message.id);
  replace(message);
  act(refreshUsage);
  if (state.room?.id === message.chatroom_id && state.room.title === UNTITLED) watchTitle(message.chatroom_id);
}

// The stream was refused (the access cookie expired, too many streams) or the session
// ended: read the reply (renewing the session if it can be), then follow it again. While
// the service cannot be reached, try again, less and less often.
const recovering = new Set();
const worthRetrying = (error) => error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500);

async function recover(reply) {
  unfollow(reply.id);
  if (recovering.has(reply.id)) return;
  recovering.add(reply.id);
  try {
    for (let wait = 1000; ; wait = Math.min(wait * 2, 10_000)) {
      await sleep(wait);
      if (state.room?.id !== reply.chatroom_id || !find(reply.id)) return;
      try {
        const message = await api("GET", `/chatroom/${reply.chatroom_id}/messages/${reply.id}`);
        if (FINISHED.has(message.status)) finished(message);
        else {
          replace(message);
          follow(message);
        }
        return;
      } catch (error) {
        if (!worthRetrying(error)) throw error;
      }
    }
  } finally {
    recovering.delete(reply.id);
  }
}

// ---- sending, stopping, versions ---------------------------------------------------

function renderComposer() {
  const busy = writing().length > 0;
  $("send").hidden = busy;
  $("stop").hidden = !busy;
}

async function submitComposer(event) {
  event?.preventDefault();
  if (writing().length) return;
  const input = $("composer-input");
  const attachmentIds = await uploadedFiles();
  if (attachmentIds === null) return;
  await send(input.value, {
    attachmentIds,
    sent: () => {
      input.value = "";
      sessionStorage.removeItem(DRAFT);
      clearFiles();
      fitComposer();
    },
  });
}

async function send(text, { parentId, attachmentIds = [], sent } = {}) {
  const content = text.trim();
  if (!content && !attachmentIds.length) return;
  if (!state.room) {
    let room;
    try {
      const settings = state.startGem ? { gem_id: state.startGem.id } : {};
      if (state.newChatModel !== undefined) settings.model = state.newChatModel;
      if (state.newChatTemporary) settings.temporary = true;
      room = await api("POST", "/chatroom", settings);
    } catch (error) {
      // The gem was deleted meanwhile (elsewhere): what is typed stays, for a plain chat.
      if (error.status === 404 && state.startGem) {
        state.startGem = null;
        renderHead();
        await loadGems();
      }
      throw error;
    }
    Object.assign(state, {
      room,
      messages: [],
      olderCursor: null,
      startGem: null,
      newChatModel: undefined,
      newChatTemporary: false,
    });
    history.replaceState(null, "", `/#c/${room.id}`);
    renderHead();
  }
  const room = state.room;
  const body = parentId === undefined ? { content } : { content, parent_id: parentId };
  if (attachmentIds.length) body.attachment_ids = attachmentIds;
  const fingerprint = JSON.stringify([room.id, body]);
  if (state.draft?.fingerprint !== fingerprint) state.draft = { fingerprint, key: crypto.randomUUID() };
  const answer = await api("POST", `/chatroom/${room.id}/message`, body, {
    headers: { "Idempotency-Key": state.draft.key },
  });
  state.draft = null;
  hideAlert();
  sent?.();
  putRoomFirst({ ...room, updated_at: answer.message.created_at });
  act(refreshUsage);
  if (parentId === undefined) {
    state.messages.push(answer.message, answer.reply);
    renderMessages({ toBottom: true });
    follow(answer.reply);
  } else {
    await reloadBranch();
  }
}

async function stopReplies() {
  for (const reply of writing()) {
    try {
      const answer = await api("POST", `/chatroom/${reply.chatroom_id}/messages/${reply.id}/cancel`);
      if (FINISHED.has(answer.reply.status)) finished(answer.reply);
    } catch (error) {
      if (error.status !== 409) throw error; // it finished meanwhile: its stream says how
    }
  }
}

async function regenerate(reply) {
  await api("POST", `/chatroom/${reply.chatroom_id}/messages/${reply.id}/regenerate`, undefined, {
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  act(refreshUsage);
  await reloadBranch();
}

async function continueReply(reply) {
  await api("POST", `/chatroom/${reply.chatroom_id}/messages/${reply.id}/continue`, undefined, {
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  act(refreshUsage);
  await reloadBranch();
}

async function switchTo(messageId) {
  if (!messageId) return;
  await api("PATCH", `/chatroom/${state.room.id}`, { active_leaf_id: messageId });
  await reloadBranch();
}

async function rate(reply, rating) {
  replace(await api("PUT", `/chatroom/${reply.chatroom_id}/messages/${reply.id}/feedback`, { rating }));
}

async function copy(reply) {
  await navigator.clipboard.writeText(reply.content);
  showNotice("Copied.");
}

// ---- files for the next message ------------------------------------------------------

function addFiles(list) {
  const chosen = [...list];
  if (!chosen.length) return;
  const room = MAX_FILES - state.files.length;
  if (chosen.length > room) showAlert(`A message takes at most ${MAX_FILES} files.`);
  for (const file of chosen.slice(0, Math.max(0, room))) {
    const entry = {
      key: crypto.randomUUID(),
      name: file.name || "Pasted image",
      preview: file.type.startsWith("image/") ? URL.createObjectURL(file) : null,
      upload: null,
      error: null,
    };
    entry.uploading = uploadFile(file)
      .then((upload) => { entry.upload = upload; })
      .catch((error) => { entry.error = error instanceof ApiError ? error.message : "The file could not be sent."; })
      .finally(renderFiles);
    state.files.push(entry);
  }
  renderFiles();
}

function removeFile(key) {
  const entry = state.files.find((f) => f.key === key);
  if (!entry) return;
  state.files = state.files.filter((f) => f !== entry);
  if (entry.preview) URL.revokeObjectURL(entry.preview);
  // Not sent: the service deletes it by itself after a day; say so now to spare it that.
  if (entry.upload) api("DELETE", `/uploads/${entry.upload.id}`).catch(() => {});
  renderFiles();
}

function clearFiles() {
  for (const entry of state.files) if (entry.preview) URL.revokeObjectURL(entry.preview);
  state.files = [];
  renderFiles();
}

// The ids of the files to send, once every one is uploaded; null (and a word why) when
// one was refused, so nothing is sent without it.
async function uploadedFiles() {
  await Promise.all(state.files.map((f) => f.uploading));
  const refused = state.files.find((f) => f.error);
  if (refused) {
    showAlert(`${refused.name}: ${refused.error} Remove it to send the rest.`);
    return null;
  }
  return state.files.map((f) => f.upload.id);
}

function renderFiles() {
  const list = $("pending-files");
  list.hidden = state.files.length === 0;
  list.replaceChildren(
    ...state.files.map((entry) => {
      const item = element("li", { className: `pending${entry.error ? " refused" : ""}` });
      if (entry.preview) item.append(element("img", { attrs: { src: entry.preview, alt: "" } }));
      const status = entry.error ?? (entry.upload ? describe(entry.upload) : "Uploading…");
      item.append(
        element("span", { className: "file-name", text: entry.name }),
        element("span", { className: "file-facts", text: status }),
        button("✕", () => removeFile(entry.key), { className: "small ghost", attrs: { "aria-label": `Remove ${entry.name}` } }),
      );
      return item;
    }),
  );
}

function fitComposer() {
  const input = $("composer-input");
  input.style.height = "auto";
  input.style.height = `${input.scrollHeight + 2}px`;
}

// ---- instructions: yours, and one chat's ---------------------------------------------

// A dialog sits above the page's banners: what went wrong is said inside it.
async function savingIn(dialog, save) {
  const said = dialog.querySelector(".form-error");
  said.hidden = true;
  try {
    await save();
    dialog.close();
  } catch (error) {
    if (!(error instanceof ApiError) || error.code === "UNAUTHENTICATED") {
      dialog.close();
      throw error;
    }
    said.textContent = error.message;
    said.hidden = false;
  }
}

async function openInstructions() {
  const mine = await api("GET", "/user/instructions");
  $("instructions-dialog").querySelector(".form-error").hidden = true;
  $("about-me").value = mine.about_me;
  $("response-style").value = mine.response_style;
  setDrawer(false);
  $("instructions-dialog").showModal();
}

async function saveInstructions(event) {
  event.preventDefault();
  await savingIn($("instructions-dialog"), async () => {
    await api("PUT", "/user/instructions", {
      about_me: $("about-me").value,
      response_style: $("response-style").value,
    });
    showNotice("Saved: replies from now on follow your instructions.");
  });
}

// ---- your data: share links, export, import, leaving -----------------------------------

async function openData() {
  setDrawer(false);
  $("data-dialog").querySelector(".form-error").hidden = true;
  $("leave-form").hidden = true;
  $("leave").hidden = false;
  $("import-status").textContent = "";
  await renderShares();
  $("data-dialog").showModal();
}

// What went wrong in the dialog is said inside it.
async function inData(work) {
  const said = $("data-dialog").querySelector(".form-error");
  said.hidden = true;
  try {
    await work();
  } catch (error) {
    if (!(error instanceof ApiError) || error.code === "UNAUTHENTICATED") throw error;
    said.textContent = error.message;
    said.hidden = false;
  }
}

async function renderShares() {
  const { items } = await api("GET", "/shares");
  $("shares-empty").hidden = items.length > 0;
  $("shares").replaceChildren(...items.map((share) => {
    const link = element("a", { text: share.title, attrs: { href: share.url, target: "_blank", rel: "noopener" } });
    const when = element("span", {
      className: "hint",
      text: ` · ${share.message_count} messages, ${new Date(share.created_at).toLocaleDateString()}`,
    });
    const copy = element("button", { className: "small", text: "Copy link", attrs: { type: "button" } });
    copy.addEventListener("click", () => act(async () => {
      await navigator.clipboard.writeText(share.url).catch(() => undefined);
      showNotice(`Link copied: ${share.url}`);
    }));
    const stop = element("button", { className: "small danger", text: "Stop sharing", attrs: { type: "button" } });
    stop.addEventListener("click", () => act(() => inData(async () => {
      await api("DELETE", `/shares/${share.id}`);
      await renderShares();
    })));
    return element("li", { className: "share" }, link, when, copy, stop);
  }));
}

let exportTimer = null;

function renderExport(exported) {
  const done = `${exported.chatrooms_done} of ${exported.chatrooms_total} chats`;
  const says = {
    pending: "Waiting for a worker…",
    writing: `Writing: ${done}.`,
    ready: `Ready: ${(exported.size_bytes / 1024).toFixed(0)} KB, until ${new Date(exported.expires_at).toLocaleString()}.`,
    failed: "The export failed. Try again.",
    expired: "That export has expired. Export again.",
  };
  $("export-status").textContent = says[exported.status];
  $("export-download").hidden = exported.status !== "ready";
  $("export-download").dataset.path = exported.download_path ?? "";
  clearTimeout(exportTimer);
  if (exported.status === "pending" || exported.status === "writing") {
    exportTimer = setTimeout(() => act(async () => renderExport(await api("GET", `/exports/${exported.id}`))), 700);
  }
}

async function exportChats() {
  await inData(async () => renderExport(await api("POST", "/exports")));
}

// The archive needs the session's cookie: fetched here, then saved from memory.
async function downloadExport() {
  const response = await fetch($("export-download").dataset.path, { credentials: "same-origin" });
  if (!response.ok) throw new ApiError(response.status, "DOWNLOAD", "The export could not be downloaded. Export again.");
  const link = element("a", { attrs: { href: URL.createObjectURL(await response.blob()), download: "chats.zip" } });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

async function importChats() {
  const file = $("import-file").files[0];
  if (!file) return;
  $("import-status").textContent = `Importing ${file.name}…`;
  const form = new FormData();
  form.append("file", file, file.name);
  await inData(async () => {
    try {
      const imported = await api("POST", "/imports", form);
      const chats = imported.chatrooms.length;
      $("import-status").textContent = `Imported ${chats} chat${chats === 1 ? "" : "s"} and ${imported.messages} messages.`;
      await loadRooms({ reset: true });
    } catch (error) {
      $("import-status").textContent = "";
      throw error;
    } finally {
      $("import-file").value = "";
    }
  });
}

async function askToLeave() {
  await inData(async () => {
    const sent = await api("POST", "/auth/send-confirmation-code");
    $("leave").hidden = true;
    $("leave-form").hidden = false;
    // Development only: the API hands the code back.
    $("leave-code").value = sent.otp ?? "";
    $("leave-code").focus();
  });
}

async function leave(event) {
  event.preventDefault();
  await inData(async () => {
    await api("DELETE", "/user/me", { otp: $("leave-code").value.trim() });
    $("data-dialog").close();
    sessionStorage.removeItem(DRAFT);
    history.replaceState(null, "", "/");
    showSignIn("Your account and everything in it are deleted.");
  });
}

function openChatSettings() {
  $("chat-dialog").querySelector(".form-error").hidden = true;
  $("chat-instruction").value = state.room.system_instruction ?? "";
  $("chat-temperature").value = state.room.temperature ?? "";
  $("chat-gem").hidden = !state.room.gem_instructions;
  $("chat-gem-instructions").textContent = state.room.gem_instructions ?? "";
  $("chat-dialog").showModal();
}

async function saveChatSettings(event) {
  event.preventDefault();
  const temperature = $("chat-temperature").value.trim();
  await savingIn($("chat-dialog"), async () => {
    const room = await api("PATCH", `/chatroom/${state.room.id}`, {
      system_instruction: $("chat-instruction").value,
      temperature: temperature === "" ? null : Number(temperature),
    });
    state.room = { ...state.room, system_instruction: room.system_instruction, temperature: room.temperature };
    showNotice("Saved: replies in this chat from now on follow these settings.");
  });
}

// ---- gems ----------------------------------------------------------------------------

async function loadGems() {
  state.gems = (await api("GET", "/gems")).items;
  renderGems();
}

function renderGems() {
  $("gems").replaceChildren(
    ...state.gems.map((gem) => {
      const start = button(gem.name, () => startFromGem(gem), {
        className: "gem-start",
        attrs: { title: gem.description || gem.name, "aria-label": `New chat with ${gem.name}` },
      });
      const edit = button("Edit", () => openGemDialog(gem), { attrs: { "aria-label": `Edit gem ${gem.name}` } });
      return element("li", {}, start, edit);
    }),
  );
}

function startFromGem(gem) {
  setDrawer(false);
  if (location.hash) history.replaceState(null, "", "/");
  showNewChat();
  state.startGem = gem;
  renderHead();
}

function openGemDialog(gem) {
  state.editingGem = gem;
  $("gem-dialog").querySelector(".form-error").hidden = true;
  $("gem-dialog-title").textContent = gem ? "Edit gem" : "New gem";
  $("gem-name").value = gem?.name ?? "";
  $("gem-description").value = gem?.description ?? "";
  $("gem-instructions").value = gem?.instructions ?? "";
  $("gem-temperature").value = gem?.temperature ?? "";
  modelOptions($("gem-model"), gem?.model ?? null);
  $("gem-delete").hidden = !gem;
  setDrawer(false);
  $("gem-dialog").showModal();
}

async function saveGem(event) {
  event.preventDefault();
  const temperature = $("gem-temperature").value.trim();
  const body = {
    name: $("gem-name").value,
    description: $("gem-description").value,
    instructions: $("gem-instructions").value,
    temperature: temperature === "" ? null : Number(temperature),
    model: $("gem-model").value || null,
  };
  const gem = state.editingGem;
  await savingIn($("gem-dialog"), async () => {
    await (gem ? api("PATCH", `/gems/${gem.id}`, body) : api("POST", "/gems", body));
    await loadGems();
    showNotice(gem ? "Gem saved. Chats started from it keep what they started with." : "Gem saved.");
  });
}

async function deleteGem() {
  const gem = state.editingGem;
  if (!window.confirm(`Delete the gem “${gem.name}”? Chats started from it stay as they are.`)) return;
  await savingIn($("gem-dialog"), async () => {
    await api("DELETE", `/gems/${gem.id}`);
    await loadGems();
    showNotice(`Deleted the gem “${gem.name}”.`);
  });
}

// ---- the drawer of chats on phones -------------------------------------------------

function setDrawer(open) {
  $("sidebar").classList.toggle("open", open);
  $("scrim").classList.toggle("open", open);
  $("scrim").hidden = !open;
  $("menu").setAttribute("aria-expanded", String(open));
  // Off screen, the list must not take keyboard focus either.
  $("sidebar").inert = phone.matches && !open;
  if (open) $("new-chat").focus();
}

// ---- wiring ------------------------------------------------------------------------

function on(id, type, handler) {
  $(id).addEventListener(type, (event) => act(() => handler(event)));
}

function wire() {
  on("phone-form", "submit", sendCode);
  on("code-form", "submit", verifyCode);
  on("code-back", "click", () => showSignIn());
  on("sign-out", "click", signOut);
  on("go-pro", "click", goPro);
  on("alert-pro", "click", goPro);
  on("billing", "click", openBillingPortal);
  on("alert-close", "click", hideAlert);
  on("new-chat", "click", () => {
    setDrawer(false);
    if (location.hash) location.hash = "";
    else showNewChat();
  });
  on("instructions", "click", openInstructions);
  on("instructions-form", "submit", saveInstructions);
  on("instructions-cancel", "click", () => $("instructions-dialog").close());
  on("your-data", "click", openData);
  on("data-close", "click", () => $("data-dialog").close());
  on("export", "click", exportChats);
  on("export-download", "click", downloadExport);
  on("import-file", "change", importChats);
  on("leave", "click", askToLeave);
  on("leave-form", "submit", leave);
  on("new-gem", "click", () => openGemDialog(null));
  on("gem-form", "submit", saveGem);
  on("gem-cancel", "click", () => $("gem-dialog").close());
  on("gem-delete", "click", deleteGem);
  on("chat-settings", "click", openChatSettings);
  on("model-picker", "change", chooseModel);
  on("chat-form", "submit", saveChatSettings);
  on("chat-cancel", "click", () => $("chat-dialog").close());
  on("rename", "click", startRename);
  on("rename-form", "submit", rename);
  on("rename-cancel", "click", renderHead);
  on("delete", "click", deleteRoom);
  on("share", "click", shareRoom);
  on("pin", "click", () => organise({ pinned: !state.room.pinned }));
  on("archive", "click", () => organise({ archived: !state.room.archived }));
  on("show-archived", "click", toggleArchivedList);
  $("search").addEventListener("input", searchSoon);
  on("search-form", "submit", (event) => {
    event.preventDefault();
    clearTimeout(searchTimer);
    return runSearch();
  });
  $("search").addEventListener("keydown", (event) => {
    if (event.key === "Escape") clearSearch();
  });
  $("hits").addEventListener("click", (event) => {
    if (event.target.closest("a")) setDrawer(false);
  });
  on("temporary", "change", () => {
    state.newChatTemporary = $("temporary").checked;
    renderHead();
  });
  on("older", "click", showOlder);
  on("composer", "submit", submitComposer);
  on("attach", "click", () => $("file-input").click());
  on("file-input", "change", () => {
    addFiles($("file-input").files);
    $("file-input").value = "";
  });
  // Files dropped anywhere on the chat, or pasted into the message box, are attached.
  let dragging = 0;
  $("chat").addEventListener("dragenter", (event) => {
    if (!event.dataTransfer?.types.includes("Files")) return;
    dragging += 1;
    $("drop-hint").hidden = false;
  });
  $("chat").addEventListener("dragleave", () => {
    dragging = Math.max(0, dragging - 1);
    if (!dragging) $("drop-hint").hidden = true;
  });
  $("chat").addEventListener("dragover", (event) => {
    if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
  });
  $("chat").addEventListener("drop", (event) => {
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    dragging = 0;
    $("drop-hint").hidden = true;
    act(() => addFiles(event.dataTransfer.files));
  });
  $("composer-input").addEventListener("paste", (event) => {
    if (!event.clipboardData?.files.length) return;
    event.preventDefault();
    act(() => addFiles(event.clipboardData.files));
  });
  on("stop", "click", stopReplies);
  on("menu", "click", () => setDrawer(!$("sidebar").classList.contains("open")));
  on("scrim", "click", () => setDrawer(false));
  $("rooms").addEventListener("click", (event) => {
    if (event.target.closest("a")) setDrawer(false);
  });
  $("composer-input").addEventListener("input", () => {
    sessionStorage.setItem(DRAFT, $("composer-input").value);
    fitComposer();
  });
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      act(submitComposer);
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && $("sidebar").classList.contains("open")) {
      setDrawer(false);
      $("menu").focus();
    }
  });
  window.addEventListener("hashchange", () => act(openFromLocation));
  phone.addEventListener("change", () => setDrawer(false));
  new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting) && state.me) act(() => loadRooms());
    },
    { root: $("rooms-scroll") },
  ).observe($("rooms-more"));
}

async function start() {
  wire();
  setDrawer(false);
  const payments = cameBackFromPayments();
  if (!hasSession()) return showSignIn();
  try {
    state.me = await api("GET", "/user/me");
  } catch (error) {
    if (error.status === 401) return showSignIn();
    throw error;
  }
  await showApp();
  if (payments) await afterPayments(payments);
}

act(start);
