// What the console shows and where the agent is: one object the page's modules share.

export const state = {
  channels: {}, // name -> {limit, count, public, private_channel, ...}
  agents: {}, // id -> {name, ...}
  answers: [], // [{id, ...}] for "which answer was right"
  request: null, // the body of the suggestion shown
  suggestion: null, // the Suggestion shown
  chosen: null, // the Reply in the editor (the reply, an alternative or a candidate)
  chosenFrom: null, // "reply" | "alternative" | "candidate"
  original: { reply: "", private: "" }, // the texts as suggested, to tell edits
  reported: false,
  seq: 0, // suggestion requests: only the newest one is shown
  chatwootKey: null, // conversation + message shown from Chatwoot
  chatwootConversation: null, // its conversation id
  chatwootForce: false, // "Reload conversation": apply even over the agent's edits
};
