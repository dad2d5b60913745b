// Mein Plan: the print button (no inline script: the page's CSP allows only our own files).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("plan-print");
  if (button) button.addEventListener("click", function () { window.print(); });
});
