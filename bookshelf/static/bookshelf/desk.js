/* The agent's desk (issue 15). Loaded from this site only (the CSP allows no inline script);
   every feature here is an enhancement: without it the page still works (the server asks
   before recording a use, the reveal answers with a page, the summary links scroll). */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /* Ask before recording a use: the dialog names the benefit, who uses it and what is left;
     "Record the use" submits the form with confirm=1, anything else records nothing. */
  function setUpConfirm() {
    var dialog = $("#confirm-use");
    var dataTag = $("#desk-left");
    if (!dialog || !dataTag || typeof dialog.showModal !== "function") { return; }
    var left = JSON.parse(dataTag.textContent);
    var pending = null;

    function describe(form) {
      var benefitField = form.elements.benefit;
      var code = benefitField.value;
      var label = form.getAttribute("data-benefit-label");
      if (!label && benefitField.tagName === "SELECT") {
        label = benefitField.options[benefitField.selectedIndex].text;
      }
      var who = form.elements.beneficiary;
      var family = who && who.value;
      var whoLabel = family ? who.options[who.selectedIndex].text : dialog.getAttribute("data-customer-label");
      var counts = left[code] || {};
      $("#confirm-use-benefit", dialog).textContent = label || code;
      $("#confirm-use-beneficiary", dialog).textContent = whoLabel;
      $("#confirm-use-left", dialog).textContent = (family ? counts.family : counts.self) || "";
    }

    $all("form[data-confirm-use]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.elements.confirm) { return; }  // confirmed: let it go
        event.preventDefault();
        pending = form;
        describe(form);
        dialog.showModal();
        $("#confirm-use-yes", dialog).focus();
      });
    });
    $("#confirm-use-yes", dialog).addEventListener("click", function () {
      if (!pending) { return; }
      var confirm = document.createElement("input");
      confirm.type = "hidden";
      confirm.name = "confirm";
      confirm.value = "1";
      pending.appendChild(confirm);
      $("#confirm-use-yes", dialog).disabled = true;
      pending.submit();
    });
    $("#confirm-use-no", dialog).addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { pending = null; });
  }

  /* Ask before cancelling or moving a request: the dialog names the benefit and the new
     time and place (or the reason); "Confirm" submits the form with confirm=1. */
  function setUpRequestConfirm() {
    var dialog = $("#confirm-request");
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    var pending = null;
    function show(id, value) {
      $("#" + id + "-row", dialog).hidden = !value;
      $("#" + id, dialog).textContent = value || "";
    }
    $all("form[data-confirm-request]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.elements.confirm) { return; }
        event.preventDefault();
        pending = form;
        var rebook = Boolean(form.elements.appointment_at);
        $("#confirm-request-title", dialog).textContent = form.getAttribute("data-confirm-title");
        $("#confirm-request-benefit", dialog).textContent = form.getAttribute("data-benefit-label");
        show("confirm-request-when", rebook ? form.elements.appointment_at.value.replace("T", " ") : "");
        show("confirm-request-place", rebook ? form.elements.place.value : "");
        show("confirm-request-reason", rebook ? "" : form.elements.reason.value);
        $("#confirm-request-note-cancel", dialog).hidden = rebook;
        $("#confirm-request-note-rebook", dialog).hidden = !rebook;
        dialog.showModal();
        $("#confirm-request-yes", dialog).focus();
      });
    });
    $("#confirm-request-yes", dialog).addEventListener("click", function () {
      if (!pending) { return; }
      var confirm = document.createElement("input");
      confirm.type = "hidden";
      confirm.name = "confirm";
      confirm.value = "1";
      pending.appendChild(confirm);
      $("#confirm-request-yes", dialog).disabled = true;
      pending.submit();
    });
    $("#confirm-request-no", dialog).addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { pending = null; });
  }

  /* The shelf's filter: rows whose code or name contain the text (or whose state the
     summary tile names); a category opens when it has a match and hides when it has none. */
  function setUpFilter() {
    var shelf = $("#shelf");
    var tools = $(".shelf-tools", shelf || document);
    if (!shelf || !tools) { return; }
    tools.hidden = false;
    var box = $("#shelf-filter");
    var count = $("#shelf-filter-count");
    var none = $("#shelf-no-match");
    var groups = $all("details.cat-group", shelf);
    var openAtStart = groups.map(function (g) { return g.open; });
    var state = "";

    function apply() {
      var text = box.value.trim().toLowerCase();
      var filtering = Boolean(text || state);
      var shown = 0;
      groups.forEach(function (group, i) {
        var visible = 0;
        $all("tbody tr[data-code]", group).forEach(function (row) {
          var hay = row.getAttribute("data-search") || "";
          var states = (row.getAttribute("data-state") || "").split(" ");
          var match = (!text || hay.indexOf(text) !== -1) && (!state || states.indexOf(state) !== -1);
          row.hidden = !match;
          if (match) { visible += 1; }
        });
        var badge = $("summary .count", group);
        badge.textContent = filtering ? visible + " / " + badge.getAttribute("data-total") : badge.getAttribute("data-total");
        group.hidden = filtering && visible === 0;
        group.open = filtering ? visible > 0 : openAtStart[i];
        shown += visible;
      });
      none.hidden = !filtering || shown > 0;
      count.textContent = filtering ? (count.getAttribute("data-template") || "%s").replace("%s", shown) : "";
    }

    box.addEventListener("input", apply);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { box.value = ""; apply(); }
    });
    $("#shelf-expand").addEventListener("click", function () { groups.forEach(function (g) { g.open = true; }); });
    $("#shelf-collapse").addEventListener("click", function () { groups.forEach(function (g) { g.open = false; }); });
    $all(".desk-summary [data-filter-state]").forEach(function (tile) {
      tile.addEventListener("click", function (event) {
        event.preventDefault();
        var wanted = tile.getAttribute("data-filter-state");
        state = state === wanted ? "" : wanted;
        $all(".desk-summary [data-filter-state]").forEach(function (t) {
          t.classList.toggle("active", Boolean(state) && t === tile);
        });
        apply();
        shelf.scrollIntoView({ block: "start" });
      });
    });
  }

  /* A row's "Push" preselects its benefit in both forms and brings the push card into view
     (the link does the same through the server without the script). */
  function setUpPreselect() {
    $all("a[data-push]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var code = link.getAttribute("data-push");
        var card = $("#push");
        if (!card) { return; }
        event.preventDefault();
        $all("#push select[name=benefit], #record-use select[name=benefit]").forEach(function (select) {
          select.value = code;
        });
        card.scrollIntoView({ block: "start" });
        var select = $("select[name=benefit]", card);
        if (select) { select.focus(); }
      });
    });
  }

  /* "Reveal": the POST is made in place and the full value replaces the masked one. */
  function setUpReveal() {
    $all("form[data-reveal]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = $("button", form);
        button.disabled = true;
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
          credentials: "same-origin"
        }).then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        }).then(function (values) {
          Object.keys(values).forEach(function (field) {
            $all('.pii-value[data-field="' + field + '"]').forEach(function (span) {
              span.textContent = values[field];
              span.classList.add("revealed");
            });
          });
          form.remove();
        }).catch(function () { button.disabled = false; });
      });
    });
  }

  /* After an action the page lands on #outcome: give it the focus, for screen readers. */
  function focusOutcome() {
    var outcome = $("#outcome");
    if (outcome && window.location.hash === "#outcome") { outcome.focus({ preventScroll: true }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpConfirm();
    setUpRequestConfirm();
    setUpFilter();
    setUpPreselect();
    setUpReveal();
    focusOutcome();
  });
})();
