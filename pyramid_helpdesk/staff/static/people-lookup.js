/* The new-ticket form of the staff console, with JavaScript on:
 * - find the requester as you type (GET /staff/people?format=json) and put the
 *   chosen person's address into the e-mail field (hiding the new person's details);
 * - disable the submit button once the form is sent (a double click sends once).
 * Without JavaScript the e-mail field and the "Find a person" page do the same. */
(function () {
  "use strict";
  var box = document.getElementById("people-lookup");
  if (!box || !window.fetch) { return; }
  var query = box.querySelector("input");
  var status = box.querySelector("[role=status]");
  var results = box.querySelector("ul");
  var email = document.getElementById(box.getAttribute("data-target"));
  var newcomer = document.querySelector("fieldset.new-requester");  /* a new person's details */
  var latest = 0;
  var timer = null;
  box.hidden = false;

  function choose(person) {
    email.value = person.email;
    if (newcomer) { newcomer.hidden = true; }
    results.textContent = "";
    status.textContent = box.getAttribute("data-chosen") + " " + (person.name || person.email);
    email.focus();
  }

  function show(people) {
    results.textContent = "";
    people.forEach(function (person) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = [person.name, person.email, person.phone, person.department]
        .filter(Boolean).join(" · ");
      button.addEventListener("click", function () { choose(person); });
      item.appendChild(button);
      results.appendChild(item);
    });
    status.textContent = people.length ? "" : box.getAttribute("data-none");
  }

  function search() {
    var text = query.value.trim();
    var asked = ++latest;
    if (text.length < 2) { results.textContent = ""; status.textContent = ""; return; }
    fetch(box.getAttribute("data-url") + "?format=json&q=" + encodeURIComponent(text),
          { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (people) { if (asked === latest) { show(people); } })
      .catch(function () {
        if (asked === latest) { status.textContent = box.getAttribute("data-failed"); }
      });
  }

  email.addEventListener("input", function () { if (newcomer) { newcomer.hidden = false; } });
  query.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  query.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); search(); }  /* not the form's submit */
  });

  var form = email.form;
  var submit = form.querySelector("button[type=submit]");
  form.addEventListener("submit", function () {
    setTimeout(function () { submit.disabled = true; }, 0);
  });
  window.addEventListener("pageshow", function () { submit.disabled = false; });
}());
