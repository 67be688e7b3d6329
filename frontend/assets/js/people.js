// Inviting people: a PI creates a panelist or coder and copies the
// invitation link to send them (the PI never sees their token); clients
// get a token, shown once.
import { api, busy, field, h, notice, problemNode, report } from "./core.js";

export function inviteForm(role, onCreated) {
  const name = h("input", { autocomplete: "off" }), email = h("input", { type: "email", autocomplete: "off" });
  const out = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", onsubmit: async (e) => {
    e.preventDefault();
    await busy(form, "Inviting…", async () => {
      try {
        const u = await api("POST", "/users", { name: name.value.trim(), email: email.value.trim(), role });
        name.value = ""; email.value = "";
        report(out, created(u));
        if (onCreated) onCreated(u);
      } catch (err) { report(out, problemNode(err)); }
    });
  } }, h("h3", {}, `Invite a ${role}`), h("div", { class: "row" }, field(`${role === "coder" ? "Coder" : "Panelist"}'s name`, name), field("Email", email)),
  h("button", { type: "submit" }, `Invite ${role}`), out);
  return form;
}

// created shows what to hand over: the invitation link to copy, or a
// token shown this once.
export function created(u) {
  const copyBox = (label, value) => {
    const box = h("input", { type: "text", readonly: true, value, class: "mono wide", "aria-label": label });
    return [box, h("button", { type: "button", onclick: async () => { box.select(); try { await navigator.clipboard.writeText(value); } catch (_) { document.execCommand("copy"); } } }, `Copy ${label.toLowerCase()}`)];
  };
  if (u.invitation) {
    const link = `${location.origin}/#/claim/${encodeURIComponent(u.invitation.code)}`;
    return notice("ok", h("p", {}, `${u.name} is invited. Send them this link; it works once`, u.invitation.expires_at ? `, until ${new Date(u.invitation.expires_at).toLocaleDateString()}` : "", "."),
      h("div", { class: "row" }, copyBox("Invitation link", link)));
  }
  if (u.token) {
    return notice("ok", h("p", {}, `${u.name} is created. Hand over this token securely; it is shown only now.`), h("div", { class: "row" }, copyBox("Token", u.token)));
  }
  return notice("ok", `${u.name} is created.`);
}
