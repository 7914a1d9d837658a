// The public HTTP API, as a browser uses it: the session lives in HttpOnly cookies the
// page cannot read; a request that changes something echoes the gc_csrf cookie in
// X-CSRF-Token; an expired access cookie is renewed once, through /auth/refresh.

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const COOKIE_TRANSPORT = { "X-Session-Transport": "cookie" };

export class ApiError extends Error {
  constructor(status, code, message, details, headers) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

function csrfToken() {
  const found = document.cookie.split("; ").find((pair) => pair.startsWith("gc_csrf="));
  return found ? decodeURIComponent(found.slice("gc_csrf=".length)) : "";
}

// The CSRF cookie lives as long as the session: without it there is nothing to renew.
export const hasSession = () => csrfToken() !== "";

let refreshing = null;

// Renews the access cookie with the refresh cookie: "renewed", "refused" (the session
// is over) or "unreachable" (no answer: the session may well go on).
export function refreshSession() {
  refreshing ??= send("POST", "/auth/refresh", undefined, COOKIE_TRANSPORT)
    .then((response) => (response.ok ? "renewed" : "refused"))
    .catch(() => "unreachable")
    .finally(() => { refreshing = null; });
  return refreshing;
}

const UNREACHABLE = "The service cannot be reached. Check your connection and try again.";

// A FormData body (a file) goes as multipart/form-data, whose boundary the browser writes.
function send(method, path, body, headers = {}) {
  const all = { Accept: "application/json", ...headers };
  const form = body instanceof FormData;
  if (body !== undefined && !form) all["Content-Type"] = "application/json";
  if (!SAFE.has(method)) all["X-CSRF-Token"] = csrfToken();
  return fetch(path, {
    method,
    headers: all,
    body: body === undefined || form ? body : JSON.stringify(body),
    credentials: "same-origin",
  });
}

export async function api(method, path, body, { headers = {}, renew = true } = {}) {
  let response;
  try {
    response = await send(method, path, body, headers);
  } catch {
    throw new ApiError(0, "NETWORK", UNREACHABLE);
  }
  if (response.status === 401 && renew && !path.startsWith("/auth/")) {
    const renewal = await refreshSession();
    if (renewal === "renewed") return api(method, path, body, { headers, renew: false });
    // Not a reason to sign the person out: the service is away, not the session.
    if (renewal === "unreachable") throw new ApiError(0, "NETWORK", UNREACHABLE);
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? `The service answered ${response.status}.`,
      error.details,
      response.headers,
    );
  }
  return data;
}

export const signIn = {
  sendCode: (mobileNumber) => api("POST", "/auth/send-otp", { mobile_number: mobileNumber }),
  verify: (mobileNumber, otp) =>
    api("POST", "/auth/verify-otp", { mobile_number: mobileNumber, otp }, { headers: COOKIE_TRANSPORT }),
  signOut: () => api("POST", "/auth/logout", undefined, { renew: false }),
};

export function uploadFile(file) {
  const form = new FormData();
  form.append("file", file, file.name || "pasted");
  return api("POST", "/uploads", form);
}
