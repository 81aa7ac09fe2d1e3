// Search page helpers: selects marked .autosubmit apply at once (the Apply button stays for no-JS use).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select.autosubmit").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
});
