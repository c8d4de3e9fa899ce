// The test chat: each pane talks as one person (by phone number) and polls for its messages.
"use strict";
// The page's texts come as a JSON data block: the Content-Security-Policy allows no inline script.
const T = JSON.parse(document.getElementById("chat-texts").textContent);
const LANG = document.body.dataset.lang;

function newId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "w" + Date.now().toString(36) + Math.random().toString(36).slice(2);
}

class Pane {
  constructor(section) {
    this.section = section;
    this.log = section.querySelector(".log");
    this.error = section.querySelector(".error");
    this.textInput = section.querySelector(".compose input");
    this.sendButton = section.querySelector(".compose button");
    this.address = null;
    this.after = 0;
    this.timer = null;
    section.querySelector(".who").addEventListener("submit", (e) => { e.preventDefault(); this.connect(); });
    // One way to say who you are at a time: picking a person clears the typed number and back.
    const select = section.querySelector("select");
    const phone = section.querySelector("input[name=phone]");
    if (phone) {
      select.addEventListener("change", () => { if (select.value) phone.value = ""; });
      phone.addEventListener("input", () => { if (phone.value) select.value = ""; });
    }
    section.querySelector(".compose").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = this.textInput.value.trim();
      // An empty message is told so; a refused one (too long) stays in the box to be edited.
      if (!text) { this.showError(T.empty); return; }
      this.send({ text }, text).then((sent) => {
        if (sent && this.textInput.value.trim() === text) this.textInput.value = "";
      });
    });
  }

  fill(contacts) {
    const select = this.section.querySelector("select");
    for (const c of contacts) {
      const option = document.createElement("option");
      option.value = c.phone;
      option.textContent = `${c.name} (${c.phone})`;
      select.appendChild(option);
    }
  }

  showError(message) {
    this.error.textContent = message || "";
    this.error.hidden = !message;
  }

  setOpen(open) {
    this.textInput.disabled = !open;
    this.sendButton.disabled = !open;
  }

  async connect() {
    const phone = this.section.querySelector("input[name=phone]");
    const chosen = (phone && phone.value.trim()) || this.section.querySelector("select").value;
    clearInterval(this.timer);
    this.setOpen(false);
    if (!chosen) { this.showError(T.not_connected); return; }
    this.address = chosen;
    this.after = 0;
    this.log.innerHTML = "";
    this.showError("");
    // The first poll checks the number: the chat opens only for an address the server accepts.
    if (!(await this.poll())) { this.address = null; return; }
    this.greet();
    this.setOpen(true);
    this.timer = setInterval(() => this.poll(), 700);
    this.textInput.focus();
  }

  greet() {
    // What one can write, above the conversation so far.
    const item = document.createElement("li");
    item.className = "note";
    item.textContent = T[`greeting_${this.section.dataset.role}`] || "";
    this.log.prepend(item);
  }

  async problem(response) {
    const body = await response.json().catch(() => ({}));
    return typeof body.detail === "string" ? body.detail : T.bad_input;
  }

  add(kind, text, choices) {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
    if (choices && choices.length) {
      const row = document.createElement("div");
      row.className = "choices";
      for (const c of choices) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = c.label;
        button.addEventListener("click", () => {
          // A choice is answered once: the whole row is spent.
          for (const b of row.querySelectorAll("button")) b.disabled = true;
          this.send({ choice: c.payload }, c.label);
        });
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    this.log.appendChild(item);
    this.log.scrollTop = this.log.scrollHeight;
  }

  async send(body, shown) {
    if (!this.address) { this.showError(T.not_connected); return false; }
    const response = await fetch(`/chat/api/messages?lang=${LANG}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ address: this.address, message_id: newId(), ...body }),
    }).catch(() => null);
    if (!response) { this.showError(T.offline); return false; }
    if (!response.ok) {
      this.showError(await this.problem(response));
      return false;
    }
    this.showError("");
    this.add("out", shown);
    this.poll();
    return true;
  }

  async poll() {
    if (!this.address) return false;
    // The phone number goes in a header: URLs end up in access logs.
    const query = new URLSearchParams({ after: this.after, lang: LANG });
    const response = await fetch(`/chat/api/messages?${query}`, {
      headers: { "X-Chat-Address": this.address },
    }).catch(() => null);
    if (!response) { this.showError(T.offline); return false; }
    if (!response.ok) {
      this.showError(await this.problem(response));
      clearInterval(this.timer);
      this.setOpen(false);
      return false;
    }
    const { messages } = await response.json();
    for (const m of messages) {
      if (m.id <= this.after) continue;
      this.after = m.id;
      this.add("in", m.text, m.choices);
    }
    if (this.error.textContent === T.offline) this.showError("");
    return true;
  }
}

const panes = Object.fromEntries(
  [...document.querySelectorAll(".pane")].map((s) => [s.dataset.role, new Pane(s)]),
);
fetch("/chat/api/people").then((r) => r.json()).then((people) => {
  panes.resident.fill(people.residents);
  panes.operator.fill(people.operators);
});
