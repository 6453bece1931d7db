// Emptying the suggestion panel: when the agent moves to another conversation, nothing
// suggested for the previous customer may stay on screen, be copied or be reported.
import { $, clear, show } from "./dom.js";
import { state } from "./state.js";

const BUTTONS = ["copy-reply", "copy-private", "fb-sent", "fb-edited", "fb-wrong", "fb-unused", "fb-wrong-send"];

function emptyPart(part) {
  show($(`${part}-part`), false);
  $(`${part}-text`).value = "";
  const meter = $(`${part}-meter`);
  meter.textContent = "";
  meter.className = "meter";
  for (const key of ["length", "over"]) delete meter.dataset[key];
  const window_ = $(`${part}-window`);
  clear(window_);
  delete window_.dataset.status;
  show(window_, false);
}

// Forgets the suggestion shown (and any suggestion or render still on its way: the
// newest-request counter moves on) and says `note` where the suggestion was.
export function clearResult(note) {
  state.seq += 1;
  state.request = null;
  state.suggestion = null;
  state.chosen = null;
  state.chosenFrom = null;
  state.original = { reply: "", private: "" };
  state.reported = false;
  show($("busy"), false);
  $("suggest").removeAttribute("aria-busy");
  const empty = $("result-empty");
  empty.textContent = note;
  show(empty, true);
  show($("status-line"), false);
  for (const id of ["status-badge", "status-answer", "status-score", "mood", "prepared-text", "reply-language-text"]) {
    $(id).textContent = "";
  }
  $("reply-label").textContent = "Reply";
  $("reply-form").textContent = "";
  for (const id of ["mood", "prepared", "no-match", "reply-language", "candidates", "alternatives", "reply-needs", "wrong-box", "feedback"]) {
    show($(id), false);
  }
  clear($("candidate-list"));
  clear($("alternative-list"));
  $("reply-needs").textContent = "";
  emptyPart("reply");
  emptyPart("private");
  const status = $("feedback-status");
  status.textContent = "";
  delete status.dataset.outcome;
  $("right-answer").value = "";
  for (const id of BUTTONS) $(id).disabled = true;
}
