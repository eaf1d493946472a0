// The usage page of the apibilling demo: reads GET /billing/usage with the visitor's API key and draws
// each quota as a bar (with its projection at the current burn rate) and the daily history as a chart
// (with the burn rate of the longest quota as a projected daily line), and one such chart per operation
// with quotas of its own; makes demo calls and refreshes after each one.
(function () {
  "use strict";

  const KEY_HEADER = "X-Api-Key";
  const HISTORY_DAYS = 14;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
  const keyInput = document.getElementById("api-key");
  const message = document.getElementById("message");
  const quotasBox = document.getElementById("quotas");
  const historyBox = document.getElementById("history");
  const operationsCard = document.getElementById("operations-card");
  const operationsBox = document.getElementById("operation-history");
  const eventsBox = document.getElementById("events");
  const lastCall = document.getElementById("last-call");
  let apiKey = "";
  let refreshes = 0;

  document.getElementById("zone").textContent = zone;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") {
        node.textContent = value;
      } else {
        node.setAttribute(name, value);
      }
    }
    for (const child of children || []) {
      node.appendChild(child);
    }
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      node.setAttribute(name, value);
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function say(text, isError) {
    message.textContent = text;
    message.className = isError ? "error" : "";
  }

  function number(n) {
    return Number(n).toLocaleString();
  }

  function unlimited(limit) {
    return limit === null || limit === undefined || limit === "unlimited" || Number(limit) < 0;
  }

  // A time today, or a date and time, in the viewer's zone; empty for an unreadable instant.
  function localTime(instant) {
    const at = new Date(instant);
    if (isNaN(at.getTime())) {
      return "";
    }
    const sameDay = at.toDateString() === new Date().toDateString();
    const time = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    return sameDay
      ? time
      : at.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" }) + " " + time;
  }

  function resetText(instant) {
    const shown = localTime(instant);
    return shown ? "resets " + shown + " (" + zone + ")" : "";
  }

  function when(instant) {
    return (new Date(instant).toDateString() === new Date().toDateString() ? "at " : "on ")
      + localTime(instant);
  }

  // "At this rate the month runs out on ..." or what the window is heading for; empty without a forecast.
  function forecastText(q) {
    const f = q.forecast;
    if (!f) {
      return "";
    }
    const rate = number(Math.round(f.creditsPerHour * 10) / 10) + " credits an hour";
    if (f.exhaustsAt) {
      return "At this rate (" + rate + ") the " + q.policy + " runs out " + when(f.exhaustsAt)
        + " (" + zone + ").";
    }
    return "At this rate (" + rate + ") about " + number(f.projectedUsed) + " credits by the reset.";
  }

  function projectionBar(q, limit, limitless) {
    const f = q.forecast;
    if (!f || limitless) {
      return [];
    }
    const share = limit === 0 ? 1 : Math.min(1, Number(f.projectedUsed) / limit);
    return [el("div", {
      class: "bar-projection" + (f.exhaustsAt ? " over" : ""),
      style: "width: " + (share * 100).toFixed(1) + "%",
      title: "projected at the reset: " + number(f.projectedUsed),
    })];
  }

  function renderQuotas(quotas) {
    quotasBox.replaceChildren();
    if (!quotas.length) {
      quotasBox.appendChild(el("p", { class: "empty", text: "This key has no quotas." }));
      return;
    }
    for (const q of quotas) {
      const used = Number(q.used);
      const limitless = unlimited(q.limit);
      const limit = limitless ? 0 : Number(q.limit);
      const share = limitless ? 0 : limit === 0 ? 1 : Math.min(1, used / limit);
      const fill = el("div", {
        class: "bar-fill" + (share >= 1 ? " spent" : share >= 0.8 ? " warn" : ""),
        style: "width: " + (share * 100).toFixed(1) + "%",
      });
      const numbers = limitless
        ? number(used) + " credits used (unlimited)"
        : number(used) + " / " + number(limit) + " credits";
      quotasBox.appendChild(el("div", {
        class: "quota",
        id: "quota-" + q.policy,
        "data-policy": q.policy,
        "data-used": String(used),
        "data-limit": limitless ? "unlimited" : String(limit),
        "data-reset": String(q.resetAt),
        "data-projected": q.forecast ? String(q.forecast.projectedUsed) : "",
        "data-exhausts": q.forecast && q.forecast.exhaustsAt ? String(q.forecast.exhaustsAt) : "",
      }, [
        el("div", { class: "quota-head" }, [
          el("span", { class: "quota-name", text: q.policy }),
          el("span", { class: "quota-numbers", text: numbers }),
        ]),
        el("div", {
          class: "bar",
          role: "progressbar",
          "aria-label": q.policy + " quota",
          "aria-valuemin": "0",
          "aria-valuemax": limitless ? "0" : String(limit),
          "aria-valuenow": String(used),
        }, projectionBar(q, limit, limitless).concat([fill])),
        el("div", { class: "quota-reset", text: resetText(q.resetAt) }),
        el("div", { class: "quota-forecast", text: forecastText(q) }),
      ]));
    }
  }

  // The last HISTORY_DAYS days up to the server's today (days of its history zone), zero where nothing was used.
  function lastDays(history, used) {
    const byDate = new Map(used.map((d) => [d.date, Number(d.credits)]));
    const days = [];
    const [y, m, d] = history.to.split("-").map(Number);
    for (let i = HISTORY_DAYS - 1; i >= 0; i--) {
      const iso = new Date(Date.UTC(y, m - 1, d - i)).toISOString().slice(0, 10);
      days.push({ date: iso, credits: byDate.get(iso) || 0, today: i === 0 });
    }
    return days;
  }

  // The quota with the longest window that has a forecast: its burn rate, per day, is drawn on the chart.
  function longestForecast(quotas) {
    let best = null;
    for (const q of quotas) {
      const length = new Date(q.resetAt) - new Date(q.windowStart);
      if (q.forecast && (!best || length > best.length)) {
        best = { policy: q.policy, length, perDay: Math.round(Number(q.forecast.creditsPerHour) * 24) };
      }
    }
    return best;
  }

  // A bar chart of the credits used per day (used: [{date, credits}]) with the projection's daily line.
  function dayChart(history, used, projection, what) {
    const days = lastDays(history, used);
    const max = Math.max(1, ...days.map((d) => d.credits), projection ? projection.perDay : 0);
    const width = 820, height = 190, top = 18, bottom = 28, gap = 8;
    const slot = width / days.length;
    const chart = svg("svg", {
      class: "history-chart",
      viewBox: "0 0 " + width + " " + height,
      role: "img",
      "aria-label": what + " per day, last " + HISTORY_DAYS + " days (" + history.zone + " days)",
    });
    chart.appendChild(svg("line", {
      class: "axis", x1: 0, x2: width, y1: height - bottom + 0.5, y2: height - bottom + 0.5,
    }));
    days.forEach((d, i) => {
      const h = Math.round((height - top - bottom) * d.credits / max);
      const x = i * slot + gap / 2;
      const bar = svg("rect", {
        class: "day-bar" + (d.today ? " today" : ""),
        x: x.toFixed(1), y: height - bottom - h, width: (slot - gap).toFixed(1), height: h, rx: 3,
        "data-date": d.date, "data-credits": d.credits,
      });
      bar.appendChild(svg("title", {}, d.date + ": " + number(d.credits) + " credits"));
      chart.appendChild(bar);
      if (d.credits > 0) {
        chart.appendChild(svg("text", {
          class: "value", x: (x + (slot - gap) / 2).toFixed(1), y: height - bottom - h - 4,
          "text-anchor": "middle",
        }, number(d.credits)));
      }
      chart.appendChild(svg("text", {
        x: (x + (slot - gap) / 2).toFixed(1), y: height - 10, "text-anchor": "middle",
      }, d.date.slice(5)));
    });
    if (projection) {
      const y = (height - bottom - Math.round((height - top - bottom) * projection.perDay / max)) + 0.5;
      const line = svg("line", {
        class: "projection", x1: 0, x2: width, y1: y, y2: y,
        "data-policy": projection.policy, "data-per-day": projection.perDay,
      });
      line.appendChild(svg("title", {}, "at the " + projection.policy + "'s current rate: "
        + number(projection.perDay) + " credits a day"));
      chart.appendChild(line);
      chart.appendChild(svg("text", { class: "projection-label", x: 4, y: Math.max(12, y - 4),
        "text-anchor": "start" }, "at this rate: " + number(projection.perDay) + " a day"));
    }
    return { chart, total: days.reduce((sum, d) => sum + d.credits, 0) };
  }

  function renderHistory(history, projection) {
    historyBox.replaceChildren();
    const { chart, total } = dayChart(history, history.days, projection, "credits used");
    historyBox.appendChild(chart);
    historyBox.appendChild(el("p", {
      class: "chart-note",
      text: number(total) + " credits in the last " + HISTORY_DAYS + " days (days in " + history.zone + ")",
    }));
  }

  // One chart per operation that has quotas in the key's plan: the part of the daily usage it took (also
  // counted in the chart above), with the burn rate of the operation's longest quota. Hidden without any.
  function renderOperations(history, quotas) {
    operationsBox.replaceChildren();
    const operations = Object.entries(history.operations);
    operationsCard.hidden = operations.length === 0;
    for (const [operation, used] of operations) {
      const projection = longestForecast(quotas.filter((q) => q.operation === operation));
      const { chart, total } = dayChart(history, used, projection, "credits used on " + operation);
      operationsBox.appendChild(el("div", {
        class: "operation-history",
        id: "history-" + operation,
        "data-operation": operation,
        "data-total": String(total),
      }, [
        el("h3", { text: operation }),
        chart,
        el("p", {
          class: "chart-note",
          text: number(total) + " credits on " + operation + " in the last " + HISTORY_DAYS
            + " days, part of the daily usage above",
        }),
      ]));
    }
  }

  // The last usage events, newest first: one row per billed call with its id, credits and metadata.
  function renderEvents(events) {
    eventsBox.replaceChildren();
    if (!events.length) {
      eventsBox.appendChild(el("p", { class: "empty", text: "No billed calls in the last 15 minutes." }));
      return;
    }
    const rows = events.map((e) => el("tr", {}, [
      el("td", { text: new Date(e.time).toLocaleTimeString() }),
      el("td", { text: [e.method, e.route].filter(Boolean).join(" as ") }),
      el("td", { text: e.status === null || e.status === undefined ? "" : String(e.status) }),
      el("td", { class: "number", text: number(e.credits) }),
      el("td", { text: Object.entries(e.metadata || {}).map(([k, v]) => k + "=" + v).join(", ") }),
      el("td", { class: "id", text: e.id }),
    ]));
    const head = el("tr", {}, ["time", "request", "status", "credits", "metadata", "event id"]
      .map((t) => el("th", { text: t })));
    eventsBox.appendChild(el("table", { class: "events" }, [el("thead", {}, [head]), el("tbody", {}, rows)]));
  }

  // The status servlet's answer: {"quotas": [{"policy", "limit" (null: unlimited), "used", "windowStart",
  // "reset", "forecast": {"creditsPerHour", "projectedUsed", "exhaustsAt"}}], "operations": {"report": [the
  // same, for one operation's quotas]}, "history": {"zone", "to", "days": [{"date", "credits"}],
  // "operations": {"report": [the days of one operation]}}}. An operation's quota is shown as
  // "operation/policy", the name the RateLimit headers give it.
  function normalize(body) {
    const quota = (q, operation) => ({
      policy: operation ? operation + "/" + q.policy : q.policy,
      operation,
      limit: q.limit,
      used: q.used,
      windowStart: q.windowStart,
      resetAt: q.reset,
      forecast: q.forecast || null,
    });
    const quotas = (body.quotas || []).map((q) => quota(q, null));
    for (const [operation, list] of Object.entries(body.operations || {})) {
      list.forEach((q) => quotas.push(quota(q, operation)));
    }
    const h = body.history || {};
    const history = {
      zone: h.zone || "UTC",
      to: h.to || new Date().toISOString().slice(0, 10),
      days: (h.days || []).map((d) => ({ date: d.date, credits: d.credits })),
      operations: {},
    };
    for (const [operation, days] of Object.entries(h.operations || {})) {
      history.operations[operation] = days.map((d) => ({ date: d.date, credits: d.credits }));
    }
    return { quotas, history, events: body.events || [] };
  }

  async function problemText(response) {
    try {
      const problem = await response.json();
      return problem.detail || problem.title || response.statusText;
    } catch (e) {
      return response.statusText;
    }
  }

  async function refresh() {
    if (!apiKey) {
      return;
    }
    try {
      await load();
    } finally {
      refreshes++;
      document.body.setAttribute("data-refreshes", String(refreshes));
    }
  }

  async function load() {
    let response;
    try {
      response = await fetch("/billing/usage", { headers: { [KEY_HEADER]: apiKey }, cache: "no-store" });
    } catch (e) {
      say("The demo server does not answer: " + e.message, true);
      return;
    }
    if (!response.ok) {
      quotasBox.replaceChildren(el("p", { class: "empty", text: "No quotas to show." }));
      historyBox.replaceChildren(el("p", { class: "empty", text: "No usage to show." }));
      operationsBox.replaceChildren();
      operationsCard.hidden = true;
      say(response.status + ": " + (await problemText(response)), true);
      return;
    }
    const usage = normalize(await response.json());
    renderQuotas(usage.quotas);
    renderHistory(usage.history, longestForecast(usage.quotas.filter((q) => !q.operation)));
    renderOperations(usage.history, usage.quotas);
    renderEvents(usage.events);
    say("Showing the usage of key " + apiKey + ", updated " + new Date().toLocaleTimeString() + ".");
  }

  function showCall(path, response, body) {
    const lines = [];
    const statusLine = "GET " + path + " -> " + response.status;
    const shown = ["ratelimit-policy", "ratelimit", "retry-after",
      "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "content-type"];
    for (const name of shown) {
      const value = response.headers.get(name);
      if (value !== null) {
        lines.push(name + ": " + value);
      }
    }
    lastCall.replaceChildren(
      el("span", { class: "status-" + String(response.status)[0], text: statusLine }),
      document.createTextNode("\n" + lines.join("\n") + "\n\n" + body));
    lastCall.setAttribute("data-status", String(response.status));
  }

  async function call(path) {
    if (!apiKey) {
      say("Enter an API key first.", true);
      keyInput.focus();
      return;
    }
    try {
      const response = await fetch(path, { headers: { [KEY_HEADER]: apiKey }, cache: "no-store" });
      showCall(path, response, await response.text());
    } catch (e) {
      say("The demo server does not answer: " + e.message, true);
      return;
    }
    await refresh();
  }

  function useKey(key) {
    apiKey = key.trim();
    keyInput.value = apiKey;
    if (!apiKey) {
      say("Enter an API key.", true);
      return;
    }
    try {
      sessionStorage.setItem("apibilling-demo-key", apiKey);
    } catch (e) {
      // storage may be disabled: the key just isn't remembered
    }
    refresh();
  }

  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    useKey(keyInput.value);
  });
  for (const button of document.querySelectorAll("[data-key]")) {
    button.addEventListener("click", () => useKey(button.getAttribute("data-key")));
  }
  for (const button of document.querySelectorAll("[data-call]")) {
    button.addEventListener("click", () => call(button.getAttribute("data-call")));
  }

  let remembered = "";
  try {
    remembered = sessionStorage.getItem("apibilling-demo-key") || "";
  } catch (e) {
    remembered = "";
  }
  if (remembered) {
    useKey(remembered);
  }
})();
