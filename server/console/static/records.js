// The record views' delete buttons ask before they delete: Flask-Admin's inline onclick
// handlers do not run under the console's Content-Security-Policy, so the question is asked here.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (/\/delete\/?$/.test(new URL(form.action, location.href).pathname) &&
      !window.confirm("Delete this record? This cannot be undone.")) {
    event.preventDefault();
  }
});
