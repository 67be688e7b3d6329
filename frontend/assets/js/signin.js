// Sign-in with a token (PIs, admins, anyone holding one) and the
// invitation claim page: both end in a server-side session cookie.
import { api, field, h, notice, problemNode, show, busy } from "./core.js";

export function signInView(signedIn, route, message) {
  const input = h("input", { type: "password", autocomplete: "off", spellcheck: "false", name: "token" });
  const out = h("div", { "aria-live": "polite" });
  const form = h("form", {
    class: "card signin", onsubmit: async (e) => {
      e.preventDefault();
      await busy(form, "Signing in…", async () => {
        try {
          signedIn(await api("POST", "/session", { token: input.value.trim() }, { quiet: true }));
          input.value = "";
          route();
        } catch (err) { out.replaceChildren(problemNode(err)); }
      });
    },
  },
  h("h1", {}, "Sign in"),
  h("p", { class: "muted" }, "Paste the token you were given. The browser then keeps a session that ends after 30 minutes without use or when you sign out; the token itself is not stored."),
  h("p", { class: "muted small" }, "Invited as a panelist or coder? Open the invitation link you received instead."),
  message ? notice("error", message) : null,
  field("Token", input), h("p"), h("button", { class: "primary", type: "submit" }, "Sign in"), out);
  show(form);
  input.focus();
}

export function claimView(code, signedIn, route) {
  const out = h("div", { "aria-live": "polite" });
  const form = h("form", {
    class: "card signin", onsubmit: async (e) => {
      e.preventDefault();
      await busy(form, "Accepting…", async () => {
        try {
          const { token } = await api("POST", "/invitations/claim", { code }, { quiet: true });
          signedIn(await api("POST", "/session", { token }, { quiet: true }));
          const box = h("input", { type: "text", readonly: true, value: token, class: "mono", "aria-label": "Your personal token" });
          show(h("div", { class: "card signin" }, h("h1", {}, `Welcome`),
            notice("ok", "You are signed in. Your invitation is now used up."),
            h("p", {}, "Your sessions end after 30 minutes without use. To sign in again later, you need this personal token. It is shown only now: copy it to a password manager."),
            box, h("p"), h("div", { class: "row" },
              h("button", { type: "button", onclick: async () => { box.select(); try { await navigator.clipboard.writeText(token); } catch (_) { document.execCommand("copy"); } } }, "Copy token"),
              h("button", { type: "button", class: "primary", onclick: () => { box.value = ""; location.hash = "#/"; route(); } }, "Continue"))));
        } catch (err) { out.replaceChildren(problemNode(err)); }
      });
    },
  },
  h("h1", {}, "Your invitation"),
  h("p", {}, "You have been invited to Stagewise, where researchers build and test models of how therapeutic tasks are resolved. As a panelist you rate each stage of a model and propose changes; nobody sees your answers under your name."),
  h("p", { class: "muted small" }, "Accepting signs you in on this browser. An invitation can be used once."),
  h("button", { class: "primary", type: "submit" }, "Accept invitation"), out);
  show(form);
}
