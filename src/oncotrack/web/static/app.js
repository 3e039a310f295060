// Light client-side checks before a form is sent (the server validates everything again and
// shows its errors beside the fields), row adding for new lesions, and the print button.
"use strict";
(function () {
  const DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
  const WORDS = ["too-small", "absent", "not-evaluated"];
  function problem(input) {
    const value = input.value.trim();
    if (input.required && !value && input.type !== "checkbox") {
      const label = input.id && document.querySelector('label[for="' + input.id + '"]');
      return (label ? label.textContent.replace("*", "").trim() : "This field") + ": required";
    }
    if (!value) return "";
    const check = input.dataset.check;
    if (check === "date" && !DATE.test(value)) return "expected YYYY-MM-DD, YYYY-MM or YYYY";
    if ((check === "number" || check === "integer") && !isFinite(Number(value))) return "expected a number";
    if (check === "integer" && !Number.isInteger(Number(value))) return "expected a whole number";
    if (check === "measurement" && !WORDS.includes(value.toLowerCase())) {
      const n = Number(value);
      if (!isFinite(n) || n < 0) return "expected a diameter in mm or one of " + WORDS.join(", ");
    }
    return "";
  }
  function show(input, message) {
    const id = input.id ? input.id + "-error" : null;
    const box = (id && document.getElementById(id)) || input.parentElement.querySelector(".error");
    if (box) box.textContent = message;
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  }
  document.querySelectorAll("form[data-validate]").forEach(function (form) {
    // while typing, only clear an error (never add one, and never move the layout under the
    // pointer); on leaving a field, show what is wrong with it
    form.addEventListener("input", function (event) {
      const input = event.target;
      if (input.matches("input, select, textarea") && input.getAttribute("aria-invalid") && !problem(input)) show(input, "");
    });
    form.addEventListener("change", function (event) {
      const input = event.target;
      if (input.matches("input, select, textarea")) show(input, problem(input));
    });
    form.addEventListener("submit", function (event) {
      let first = null;
      form.querySelectorAll("input, select, textarea").forEach(function (input) {
        if (input.type === "hidden" || input.closest("[hidden]")) return;
        const message = problem(input);
        show(input, message);
        if (message && !first) first = input;
      });
      if (first) { event.preventDefault(); first.focus(); }
    });
  });
  // procedure forms: show only the fields of the chosen type
  const type = document.querySelector("form.record-form select[name=type]");
  function variants() {
    document.querySelectorAll("[data-only-for]").forEach(function (field) {
      field.hidden = !field.dataset.onlyFor.split(" ").includes(type.value);
    });
  }
  if (type && document.querySelector("[data-only-for]")) { type.addEventListener("change", variants); variants(); }
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      const body = document.querySelector(button.dataset.addRow + " [data-rows]");
      const rows = body.querySelectorAll("[data-row]");
      const row = rows[rows.length - 1].cloneNode(true);
      const index = rows.length;
      row.querySelectorAll("input").forEach(function (input) {
        input.name = input.name.replace(/^new_lesions\.\d+\./, "new_lesions." + index + ".");
        input.setAttribute("aria-label", input.getAttribute("aria-label").replace(/\d+/, String(index + 1)));
        if (input.type === "checkbox") input.checked = false; else input.value = "";
      });
      row.querySelectorAll(".error").forEach(function (e) { e.textContent = ""; });
      body.appendChild(row);
      row.querySelector("input").focus();
    });
  });
  // a form the server sent back with errors: start at the first field to correct
  const invalid = document.querySelector("form [aria-invalid=true]");
  if (invalid) invalid.focus();
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
