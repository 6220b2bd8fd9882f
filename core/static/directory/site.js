// Small progressive enhancements; pages work without this file.
document.addEventListener("keydown", (event) => {
  // Escape closes the typeahead.
  if (event.key === "Escape") {
    const box = document.getElementById("site-typeahead");
    if (box) box.innerHTML = "";
  }
});
document.addEventListener("click", (event) => {
  const box = document.getElementById("site-typeahead");
  if (box && !box.contains(event.target) && event.target.id !== "site-q") box.innerHTML = "";
});
