// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Words through Django's JavaScript catalogue (accounts:javascript_catalog, loaded before this
  // file); English when it did not load.
  const gettext = window.gettext || function (text) { return text; };
  const interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  };

  // A refused form: its error summary (portal_forms.error_summary) takes the focus, so a screen
  // reader reads it and the keyboard starts from it; each link in it puts the focus in its field
  // (the label scrolled into view with it), not only the page's scroll.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  document.addEventListener("click", function (event) {
    const link = event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    const form = link.closest("form") || document;
    const field = document.getElementById(link.getAttribute("href").slice(1)) ||
      (link.dataset.name && form.querySelector("[name='" + link.dataset.name + "']:not([type=hidden])"));
    if (!field) return;
    event.preventDefault();
    const label = field.id && document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });

  // Live "time left" next to deadlines. The server enforces the deadline; this only informs.
  // The ticking text is hidden from screen readers (aria-hidden in calls/_deadline.html): they
  // read the absolute deadline and the time left when the page loaded, which do not change.
  function formatLeft(ms) {
    if (ms <= 0) return gettext("deadline passed");
    const s = Math.floor(ms / 1000);
    const left = {d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600),
                  m: Math.floor((s % 3600) / 60), s: s % 60};
    // Translators: the time left before a deadline; d days, h hours, min minutes, s seconds.
    if (left.d > 0) return interpolate(gettext("%(d)s d %(h)s h %(m)s min left"), left, true);
    if (left.h > 0) return interpolate(gettext("%(h)s h %(m)s min left"), left, true);
    return interpolate(gettext("%(m)s min %(s)s s left"), left, true);
  }
  function tick() {
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      const left = new Date(el.dataset.deadline).getTime() - Date.now();
      el.textContent = formatLeft(left);
      el.classList.toggle("text-danger", left < 86400000);
    });
  }
  tick();
  setInterval(tick, 1000);

  // Formsets: add a row from the template, hide and mark a row deleted.
  document.querySelectorAll(".formset").forEach(function (formset) {
    const prefix = formset.dataset.prefix;
    const total = formset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    const rows = formset.querySelector(".formset-rows");
    const template = formset.querySelector("template.formset-template");
    formset.querySelector(".formset-add").addEventListener("click", function () {
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const first = rows.lastElementChild.querySelector("input, select, textarea");
      if (first) first.focus();
      formset.dispatchEvent(new Event("input", { bubbles: true }));
    });
    formset.addEventListener("click", function (event) {
      const button = event.target.closest(".formset-delete");
      if (!button) return;
      const row = button.closest(".formset-row");
      const flag = row.querySelector("input[name$='-DELETE']");
      if (flag) flag.value = "on";
      row.classList.add("d-none");
      formset.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
  // A table wider than the screen scrolls inside its container: the container then takes the
  // keyboard focus (arrow keys scroll it) and is named for screen readers (WCAG 2.1.1, 4.1.2).
  function markScrollingTables() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        const caption = box.querySelector("caption");
        box.tabIndex = 0;
        box.dataset.scrollMarked = box.hasAttribute("aria-label") ? "1" : "label";
        box.setAttribute("role", "region");
        if (box.dataset.scrollMarked === "label") {
          box.setAttribute("aria-label", (caption ? caption.textContent.trim() + " — " : "") +
                                         gettext("table, scrolls sideways"));
        }
      } else if (!scrolls && box.dataset.scrollMarked) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        if (box.dataset.scrollMarked === "label") box.removeAttribute("aria-label");
        delete box.dataset.scrollMarked;
      }
    });
  }
  markScrollingTables();
  window.addEventListener("resize", markScrollingTables);
})();
