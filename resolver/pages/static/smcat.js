// Copy buttons: <button data-copy="ID"> copies the text of #ID.
document.addEventListener("click", async (ev) => {
  const btn = ev.target.closest("button[data-copy]");
  if (!btn) return;
  const target = document.getElementById(btn.dataset.copy);
  const note = btn.parentElement.querySelector(".copied");
  try { await navigator.clipboard.writeText(target.textContent.trim()); note.textContent = "Copied"; }
  catch (e) { getSelection().selectAllChildren(target); note.textContent = "Selected: press Ctrl+C"; }
});
// The resolver form leaves empty fields out of the URL, so it reads like the GET /image query it is.
const forms = document.querySelectorAll("form.resolver");
const enable = (on) => forms.forEach((f) => { for (const el of f.elements) if (el.name) el.disabled = on && !el.value; });
forms.forEach((f) => f.addEventListener("submit", () => enable(true)));
addEventListener("pageshow", () => enable(false)); // back button: the fields are usable again
