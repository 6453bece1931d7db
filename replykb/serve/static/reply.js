// How a reply is shown: its form, its reply window, its length as the platform counts
// it, and copying it.
import { $, clear, element, formatTime, show } from "./dom.js";

const COPIED_MS = 2000;

export function formText(form) {
  switch (form) {
    case "full":
      return "";
    case "short":
      return "short form: the full answer does not fit";
    case "truncated":
    case "cut":
      return "cut to fit the channel";
    case "private_invite":
      return "public invitation to continue in private";
    case "needs_details":
      return "needs ticket details";
    default:
      return form ? String(form) : "";
  }
}

const WINDOW_TEXT = {
  open: (w) => (w.closes_at ? `Reply window open until ${formatTime(w.closes_at)}` : "Reply window open"),
  template_required: () => "Only an approved template message may be sent now",
  human_agent_tag: (w) =>
    `Send it yourself with the ${w.tag || "HUMAN_AGENT"} tag` + (w.closes_at ? `, until ${formatTime(w.closes_at)}` : ""),
  closed: () => "The reply window is closed: this reply can no longer be sent here",
  unknown: () => "Reply window unknown: give the time of the customer's last message",
};

export function showWindow(id, window_) {
  const el = $(id);
  clear(el);
  // Open with no end and no other condition: nothing to tell the agent.
  if (!window_ || (window_.status === "open" && !window_.closes_at && !window_.once)) {
    show(el, false);
    return;
  }
  const describe = WINDOW_TEXT[window_.status] || (() => String(window_.status));
  let text = describe(window_);
  if (window_.once) text += " · one message only";
  el.append(element("strong", { text }));
  if (window_.rule) el.append(element("span", { className: "muted", text: ` (${window_.rule})` }));
  el.className = `window window-${window_.status}`;
  el.dataset.status = window_.status;
  show(el, true);
}

const UNITS = {
  chars: "characters",
  graphemes: "characters",
  twitter: "characters as X counts them",
  mastodon: "characters as Mastodon counts them",
  utf8: "bytes (UTF-8)",
  sms: "SMS segments",
};

export function showMeter(id, { length, limit, unit, over, segments }) {
  const el = $(id);
  const label = UNITS[unit] || unit || "";
  const isOver = typeof over === "number" ? over > 0 : limit !== null && limit !== undefined && length > limit;
  let text = limit === null || limit === undefined ? `${length} ${label} (no limit)` : `${length} / ${limit} ${label}`;
  if (unit !== "sms" && typeof segments === "number") text += ` · ${segments} SMS segments`;
  if (isOver) text += limit !== null && limit !== undefined ? ` · ${length - limit} over the limit` : " · over the limit";
  el.textContent = text;
  // Screen readers hear the meter with its box; going over or back under is announced.
  const wasOver = el.dataset.over === "true";
  if (el.dataset.over !== undefined && wasOver !== isOver) {
    $("announce").textContent = isOver ? `Too long: ${text}` : `Fits again: ${text}`;
  }
  el.classList.toggle("over", isOver);
  el.dataset.length = String(length);
  el.dataset.over = isOver ? "true" : "false";
}

function legacyCopy(text) {
  // Without the async clipboard (plain HTTP, an iframe not allowed clipboard-write):
  // a selected off-screen textarea and the copy command, inside the user's click.
  const scratch = element("textarea", { readonly: "", "aria-hidden": "true", className: "offscreen" });
  scratch.value = text;
  document.body.append(scratch);
  scratch.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  scratch.remove();
  return ok;
}

export async function copyFrom(textareaId, button) {
  const text = $(textareaId).value;
  let ok = false;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      ok = false;
    }
  }
  if (!ok) ok = legacyCopy(text);
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = ok ? "Copied ✓" : "Copy failed: select the text and press Ctrl+C";
  button.classList.toggle("copied", ok);
  $("announce").textContent = ok ? `${label}: copied to the clipboard` : "Copy failed";
  clearTimeout(button.copyTimer);
  button.copyTimer = setTimeout(() => {
    button.textContent = label;
    button.classList.remove("copied");
  }, COPIED_MS);
}
