// The test chat: each pane talks as one person (by phone number) and polls for its messages.
"use strict";
const T = window.CHAT_TEXTS;
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
    section.querySelector(".compose").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = this.textInput.value.trim();
      if (text) { this.textInput.value = ""; this.send({ text }, text); }
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

  connect() {
    const phone = this.section.querySelector("input[name=phone]");
    const chosen = (phone && phone.value.trim()) || this.section.querySelector("select").value;
    if (!chosen) { this.showError(T.not_connected); return; }
    this.address = chosen;
    this.after = 0;
    this.log.innerHTML = "";
    this.showError("");
    this.textInput.disabled = false;
    this.sendButton.disabled = false;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.poll(), 700);
    this.poll();
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
        button.addEventListener("click", () => this.send({ choice: c.payload }, c.label));
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    this.log.appendChild(item);
    this.log.scrollTop = this.log.scrollHeight;
  }

  async send(body, shown) {
    if (!this.address) { this.showError(T.not_connected); return; }
    const response = await fetch(`/chat/api/messages?lang=${LANG}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ address: this.address, message_id: newId(), ...body }),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      this.showError(typeof problem.detail === "string" ? problem.detail : response.statusText);
      return;
    }
    this.showError("");
    this.add("out", shown);
    this.poll();
  }

  async poll() {
    if (!this.address) return;
    const query = new URLSearchParams({ address: this.address, after: this.after, lang: LANG });
    const response = await fetch(`/chat/api/messages?${query}`);
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      this.showError(typeof problem.detail === "string" ? problem.detail : response.statusText);
      clearInterval(this.timer);
      return;
    }
    const { messages } = await response.json();
    for (const m of messages) {
      if (m.id <= this.after) continue;
      this.after = m.id;
      this.add("in", m.text, m.choices);
    }
  }
}

const panes = Object.fromEntries(
  [...document.querySelectorAll(".pane")].map((s) => [s.dataset.role, new Pane(s)]),
);
fetch("/chat/api/people").then((r) => r.json()).then((people) => {
  panes.resident.fill(people.residents);
  panes.operator.fill(people.operators);
});
