// The request form: the ticket's details, the time of the customer's last message,
// the request body, and the server's error shown at its field.
import { MAX_DETAILS } from "./chatwoot.js";
import { $ } from "./dom.js";
import { chosenLanguage } from "./language.js";

export function addDetailRow(name = "", value = "") {
  const rows = $("detail-rows");
  if (rows.children.length >= MAX_DETAILS) return null;
  const row = $("detail-row").content.firstElementChild.cloneNode(true);
  const index = rows.children.length + 1;
  const nameInput = row.querySelector(".detail-name");
  const valueInput = row.querySelector(".detail-value");
  nameInput.value = name;
  valueInput.value = value;
  nameInput.setAttribute("aria-label", `Detail ${index} name`);
  valueInput.setAttribute("aria-label", `Detail ${index} value`);
  row.querySelector(".detail-remove").setAttribute("aria-label", `Remove detail ${index}`);
  row.querySelector(".detail-remove").addEventListener("click", () => {
    row.remove();
    $("add-detail").focus();
  });
  rows.append(row);
  return row;
}

export function readDetails() {
  const details = {};
  for (const row of $("detail-rows").children) {
    const name = row.querySelector(".detail-name").value.trim();
    const value = row.querySelector(".detail-value").value;
    if (name && value.trim()) details[name] = value;
  }
  return Object.keys(details).length ? details : null;
}

export function lastMessageIso() {
  const value = $("last-message-at").value;
  if (!value) return null;
  // datetime-local is the browser's local time: send it as an absolute UTC time.
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function setLastMessage(date) {
  const pad = (n) => String(n).padStart(2, "0");
  $("last-message-at").value =
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function buildRequest() {
  const text = (id) => $(id).value.trim() || null;
  const request = {
    message: $("message").value,
    channel: $("channel").value,
    agent: $("agent").value || null,
    customer: text("customer"),
    conversation_id: text("conversation-id"),
    details: readDetails(),
    last_customer_message_at: lastMessageIso(),
    k: 3,
  };
  // None for "Automatic": the server detects the message's language.
  const language = chosenLanguage();
  if (language) request.language = language;
  return request;
}

const FIELD_INPUTS = {
  message: "message",
  channel: "channel",
  agent: "agent",
  customer: "customer",
  conversation_id: "conversation-id",
  last_customer_message_at: "last-message-at",
  details: "details",
  language: "language",
};

export function showRequestError(message, field) {
  $("request-error").textContent = message;
  for (const id of Object.values(FIELD_INPUTS)) $(id).removeAttribute("aria-invalid");
  const base = field ? String(field).split(".")[0] : null;
  if (base && FIELD_INPUTS[base]) $(FIELD_INPUTS[base]).setAttribute("aria-invalid", "true");
}
