// The application form: saves the draft while the person types, so a closed tab loses nothing.
(function () {
  "use strict";
  const form = document.getElementById("draft-form");
  if (!form) return;
  const statusEl = document.getElementById("autosave-status");
  const url = form.dataset.autosaveUrl;
  let timer = null, dirty = false, inFlight = false;
  // Set when the server says autosave is throttled (429): no save is sent before then.
  let pausedUntil = 0;

  // The words come from Django's JavaScript catalogue (loaded by base.html); English without it.
  const gettext = window.gettext || function (text) { return text; };
  const interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  };
  const WORDS = {
    saving: gettext("Saving…"),
    saved: gettext("All changes saved at %(time)s"),
    partial: gettext("Saved at %(time)s, except fields with errors: %(fields)s"),
    refused: gettext("Not saved."),
    offline: gettext("Not saved: no connection. Your text is still here; it will be saved when the connection is back."),
  };
  function say(key, values) {
    return interpolate(WORDS[key], values || {}, true);
  }

  function show(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "small " + (kind === "error" ? "text-danger" : kind === "warn" ? "text-warning-emphasis" : "text-body-secondary");
  }

  // The label a person sees for a field name the server reports ("requested_amount",
  // "budget-0-amount"); the name itself when the field has no label (formset-wide errors).
  function fieldLabel(name) {
    const label = form.querySelector("label[for='id_" + name + "']");
    return label ? label.textContent.replace(/\*\s*$/, "").trim() : name;
  }

  function save() {
    if (inFlight) { schedule(); return; }
    inFlight = true; dirty = false;
    show(say("saving"));
    fetch(url, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
    }).then(function (result) {
      const data = result.data;
      if (result.status === 429) {
        // Too many saves (portal.ratelimits): what was typed is kept and saved when the pause ends.
        show(data.message || say("refused"), "warn");
        pausedUntil = Date.now() + (data.retry_after || 60) * 1000;
        dirty = true;
        schedule();
        return;
      }
      if (!result.ok) { show(data.message || say("refused"), "error"); return; }
      if (data.status === "partial") {
        show(say("partial", { time: data.saved_at, fields: Object.keys(data.errors).map(fieldLabel).join(", ") }), "warn");
      } else {
        show(say("saved", { time: data.saved_at }), "ok");
      }
    }).catch(function () {
      show(say("offline"), "error");
      dirty = true;
    }).finally(function () { inFlight = false; });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(save, Math.max(1200, pausedUntil - Date.now())); }

  form.addEventListener("input", function () { dirty = true; schedule(); updateBudget(); });
  form.addEventListener("change", function () { dirty = true; schedule(); updateBudget(); });
  form.addEventListener("submit", function () { clearTimeout(timer); dirty = false; });
  // Leaving the page: send what is pending in the background (the CSRF token is in the form).
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty) {
      navigator.sendBeacon(url, new FormData(form));
      dirty = false;
    }
  });

  // Character counts of the description sections.
  form.querySelectorAll("textarea[data-max-chars]").forEach(function (area) {
    const max = parseInt(area.dataset.maxChars, 10);
    const out = form.querySelector(".char-count[data-for='" + area.id + "']");
    if (!out || !max) return;
    function count() {
      const n = area.value.length;
      out.textContent = n + " / " + max + " " + (out.dataset.unit || "");
      out.classList.toggle("text-danger", n > max);
    }
    area.addEventListener("input", count); count();
  });

  // Money as the server writes it (portal.formats.amount): two decimals, grouped thousands, in
  // the page's language.
  const money = new Intl.NumberFormat(document.documentElement.lang || "en",
    { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  // Running total of the budget against the requested amount.
  function updateBudget() {
    let total = 0;
    form.querySelectorAll(".formset[data-prefix='budget'] .formset-row").forEach(function (row) {
      if (row.classList.contains("d-none")) return;
      const input = row.querySelector("input[name$='-amount']");
      const value = input ? parseFloat(input.value) : NaN;
      if (!isNaN(value)) total += value;
    });
    const totalEl = document.getElementById("budget-total");
    const check = document.getElementById("budget-check");
    const requested = parseFloat((form.querySelector("input[name='requested_amount']") || {}).value);
    if (totalEl) totalEl.textContent = money.format(total);
    if (check) {
      if (isNaN(requested)) { check.textContent = ""; return; }
      const same = Math.abs(total - requested) < 0.005;
      check.textContent = same ? check.dataset.same : check.dataset.different.replace("{amount}", money.format(requested));
      check.className = "small " + (same ? "text-success" : "text-danger");
    }
  }
  updateBudget();
})();

// The partner SMEs card shows only for a voucher type that takes partners (or when partners are
// already listed).
(function () {
  "use strict";
  const card = document.getElementById("partner-smes");
  const select = document.getElementById("id_voucher_type");
  if (!card || !select) return;
  const ids = card.dataset.voucherTypes ? card.dataset.voucherTypes.split(",") : [];
  function update() {
    const listed = card.querySelectorAll("input[name$='-legal_name']");
    const hasPartner = Array.prototype.some.call(listed, function (input) { return input.value; });
    card.hidden = !hasPartner && (select.value ? ids.indexOf(select.value) === -1 : ids.length === 0);
  }
  select.addEventListener("change", update);
  // Also once now: a voucher type chosen while the page was still loading counts too.
  update();
})();
