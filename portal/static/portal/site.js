// Behaviour the templates would otherwise write inline, which the Content-Security-Policy forbids.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-submit-on-change]");
  if (select && select.form) {
    select.form.requestSubmit();
  }
});
