// The hoster's pages: copy a snippet with a button (any button works by keyboard) and say so to screen readers;
// on the questionnaire, tie refused fields to their message and keep focus where the feedback is after a swap.
"use strict";

async function copyText(source) {
  try {
    await navigator.clipboard.writeText(source.value);
    return true;
  } catch {
    // Without the asynchronous clipboard (an insecure origin, a denied permission) the selection still copies.
    source.select();
    return document.execCommand("copy");
  }
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy-from]");
  if (!button) {
    return;
  }
  const source = document.getElementById(button.dataset.copyFrom);
  const status = document.getElementById(button.dataset.copyStatus);
  if (!source) {
    return;
  }
  const copied = await copyText(source);
  button.focus();
  if (status) {
    // Emptied first, so a second copy is announced again.
    status.textContent = "";
    status.classList.toggle("text-success", copied);
    status.classList.toggle("text-danger", !copied);
    window.setTimeout(() => {
      status.textContent = copied ? button.dataset.copied : button.dataset.copyFailed;
    }, 50);
  }
});

function markAnswerFields(status) {
  // The autosave's status names the refused fields: mark them invalid and described by the message, so a screen
  // reader says why when the person returns to them; a saved answer clears the marks.
  const form = status.closest("form");
  const marker = status.querySelector("[data-invalid-fields]");
  if (!form || !marker) {
    return;
  }
  const invalid = marker.dataset.invalidFields.split(" ").filter(Boolean);
  for (const field of form.querySelectorAll("input[name], textarea[name], select[name]")) {
    if (field.type === "hidden") {
      continue;
    }
    const described = (field.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== status.id);
    if (invalid.includes(field.name)) {
      field.setAttribute("aria-invalid", "true");
      described.push(status.id);
    } else {
      field.removeAttribute("aria-invalid");
    }
    if (described.length) {
      field.setAttribute("aria-describedby", described.join(" "));
    } else {
      field.removeAttribute("aria-describedby");
    }
  }
}

document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (!target) {
    return;
  }
  if (target.id && target.id.startsWith("status-")) {
    markAnswerFields(target);
    return;
  }
  if (!target.matches("[data-feedback-block]")) {
    return;
  }
  // The button that was pressed is gone with the swap: a refused field takes focus, so its message (tied to it by
  // aria-describedby) is read at once; after a success focus returns to the block's first field, and the
  // confirmation is announced by the live region beside the block.
  const field = target.querySelector("[aria-invalid=true]") || target.querySelector("[data-focus-after-swap]");
  if (field) {
    field.focus();
  }
});
