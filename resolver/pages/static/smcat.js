// Copy buttons: <button data-copy="ID"> copies the text of #ID.
document.addEventListener("click", async (ev) => {
  const btn = ev.target.closest("button[data-copy]");
  if (!btn) return;
  const text = document.getElementById(btn.dataset.copy).textContent.trim();
  const note = btn.parentElement.querySelector(".copied");
  try { await navigator.clipboard.writeText(text); note.textContent = "Copied"; }
  catch (e) { getSelection().selectAllChildren(document.getElementById(btn.dataset.copy)); note.textContent = "Selected: press Ctrl+C"; }
});
