// QR codes and other help meant for a second device: <details data-open-wide> stays folded
// on a phone and opens by itself on a wider screen. A file, not an inline script, so the
// pages' CSP can be script-src 'self'.
if (window.matchMedia("(min-width: 48rem)").matches) {
  document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
    details.open = true;
  });
}
