// The notice upload says which format the chosen file's header shows, before the file is sent.
// SCARt writes every value in double quotes followed by ";", escaped with backslashes (PHP addslashes).
(() => {
  const data = document.getElementById("notice-formats");
  const input = document.querySelector("input[data-detect-format]");
  const output = document.getElementById("format-found");
  if (!data || !input || !output) {
    return;
  }
  const known = JSON.parse(data.textContent);

  // The values of a line as SCARt writes it, or none when the line is written otherwise.
  const scartValues = (line) => {
    const values = [];
    const pattern = /"((?:[^"\\]|\\.)*)";/gy;
    let end = 0;
    let match;
    while ((match = pattern.exec(line)) !== null) {
      values.push(match[1].replace(/\\(.)/g, "$1").trim().toLowerCase());
      end = pattern.lastIndex;
    }
    return end === line.length ? values : [];
  };

  const formatOf = (firstLine) => {
    const names = scartValues(firstLine).join("|");
    const found = known.formats.find((format) => format.header === names);
    return found ? found.label : known.portal;
  };

  input.addEventListener("change", () => {
    output.textContent = "";
    const file = input.files && input.files[0];
    if (!file) {
      return;
    }
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      const text = String(reader.result).replace(/^\uFEFF/, "");
      const firstLine = text.split("\n", 1)[0].replace(/\r$/, "");
      output.textContent = `${known.found} ${formatOf(firstLine)}`;
    });
    reader.readAsText(file.slice(0, 64 * 1024));
  });
})();
