// Copy buttons of the welcome and account pages: <button data-copy="FIELD_ID"> copies the
// value of the field with that id. A file, not an inline script, so the pages' CSP can be
// script-src 'self'.
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var field = document.getElementById(button.dataset.copy);
    navigator.clipboard.writeText(field.value).then(function () { button.textContent = "Copied"; });
  });
});
