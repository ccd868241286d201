// The review workspace: the N key for the next unreviewed answer, focus after an in-place save, the evidence viewer.
(() => {
  "use strict";
  const SHORTCUT_KEY = "review-shortcut";
  const NOT_TYPED = new Set(["radio", "checkbox", "button", "submit", "reset", "range", "color", "file"]);

  function isTyping(element) {
    if (!element) return false;
    if (element.isContentEditable) return true;
    if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    return element.tagName === "INPUT" && !NOT_TYPED.has(element.type);
  }

  // The shortcut can be switched off (WCAG 2.1.4); the choice is remembered in this browser.
  const toggle = document.querySelector("[data-review-shortcut]");
  if (toggle) {
    try {
      toggle.checked = window.localStorage.getItem(SHORTCUT_KEY) !== "off";
      toggle.addEventListener("change", () => window.localStorage.setItem(SHORTCUT_KEY, toggle.checked ? "on" : "off"));
    } catch (error) {
      // Storage may be unavailable (private mode): the switch still works for this page.
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.key !== "n" && event.key !== "N") return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || event.defaultPrevented) return;
    if (!toggle || !toggle.checked || isTyping(event.target)) return;
    const next = document.getElementById("review-next");
    if (next) {
      event.preventDefault();
      next.click();
    }
  });

  function focusTarget(hash) {
    if (!hash || hash.length < 2) return;
    const target = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (target) {
      const focusable = target.matches("[tabindex], a, button, input, textarea, select") ? target : null;
      (focusable || target.querySelector("[data-review-focus]") || target).focus();
      return;
    }
    // An answer of another section (an old link to #crit-KYC-1): open its section at that answer.
    const code = hash.replace(/^#(crit|thread)-/, "");
    const link = Array.from(document.querySelectorAll("a[data-codes]")).find((a) => a.dataset.codes.split(" ").includes(code));
    if (link) window.location.replace(link.href + hash);
  }

  window.addEventListener("hashchange", () => focusTarget(window.location.hash));
  const saved = document.querySelector("[data-review-focus]");
  if (saved) {
    saved.focus();
  } else {
    focusTarget(window.location.hash);
  }

  // After htmx puts a card or a thread back, focus its confirmation or its error, so nothing happens out of view.
  document.body.addEventListener("htmx:load", (event) => {
    const root = event.detail.elt;
    if (root === document.body) return;
    const focus = root.matches("[data-review-focus]") ? root : root.querySelector("[data-review-focus]");
    if (focus) focus.focus();
  });

  // A verdict or message the portal did not take (an error answer, no network) is said at its form, never silently.
  function showFailure(event) {
    const form = event.detail.elt && event.detail.elt.closest("form[data-failed]");
    if (!form) return;
    let alert = form.querySelector(".review-failed");
    if (!alert) {
      alert = document.createElement("div");
      alert.className = "text-danger small mt-1 review-failed";
      alert.setAttribute("role", "alert");
      alert.tabIndex = -1;
      form.appendChild(alert);
    }
    alert.textContent = form.dataset.failed;
    alert.focus();
  }
  document.body.addEventListener("htmx:responseError", showFailure);
  document.body.addEventListener("htmx:sendError", showFailure);

  // A session that ended sends the request to the sign-in page: go there rather than swap it into the answer.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const landed = event.detail.xhr && event.detail.xhr.responseURL;
    if (landed && new URL(landed).pathname.startsWith("/accounts/login/")) {
      event.detail.shouldSwap = false;
      window.location.assign(landed);
    }
  });

  // Showing another document in an answer's viewer renames the frame for screen readers.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-viewer]");
    const frame = link && document.getElementById(link.dataset.viewer);
    if (frame) frame.title = link.dataset.viewerTitle;
  });
})();
