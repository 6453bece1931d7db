// The server's HTTP API, with the bearer token a protected server asks for (kept for
// the browser tab only, in sessionStorage).
import { $ } from "./dom.js";

export const TOKEN_KEY = "replykb.token";
let pendingToken = null; // one token prompt for concurrent 401s
// What an HTTP header can carry: printable Latin-1, no control characters.
const SENDABLE = /^[\x20-\x7e\xa0-\xff]+$/;

export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field || null;
  }
}

function errorMessage(body, status) {
  const error = body && typeof body === "object" ? body.error : null;
  if (error && typeof error.message === "string") return error.message;
  if (body && typeof body.detail === "string") return body.detail;
  return `The server answered HTTP ${status}.`;
}

export async function api(method, path, body) {
  for (;;) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token && !SENDABLE.test(token)) {
      // fetch() would throw on such a header, as if the server could not be reached.
      sessionStorage.removeItem(TOKEN_KEY);
      const given = await askToken(
        "That token has a character a browser cannot send (a curly quote, €, an emoji…): type it as the server was given it.",
      );
      if (given === null) throw new ApiError(401, "No access token: the server refuses requests without one.");
      continue;
    }
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, `The replykb server cannot be reached (${error.message}).`);
    }
    if (response.status === 401) {
      const given = await askToken(
        token ? "The server refused that token: enter the right one." : "This replykb server needs an access token.",
      );
      if (given === null) throw new ApiError(401, "No access token: the server refuses requests without one.");
      continue;
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = data && data.error ? data.error : {};
      throw new ApiError(response.status, errorMessage(data, response.status), error.field);
    }
    return data;
  }
}

function askToken(reason) {
  if (pendingToken) return pendingToken;
  const dialog = $("token-dialog");
  $("token-reason").textContent = reason;
  $("token-input").value = "";
  pendingToken = new Promise((resolve) => {
    const done = () => {
      dialog.removeEventListener("close", done);
      const value = $("token-input").value.trim();
      pendingToken = null;
      if (dialog.returnValue === "ok" && value) {
        sessionStorage.setItem(TOKEN_KEY, value);
        resolve(value);
      } else {
        resolve(null);
      }
    };
    dialog.addEventListener("close", done);
    dialog.returnValue = "";
    dialog.showModal();
    $("token-input").focus();
  });
  return pendingToken;
}
