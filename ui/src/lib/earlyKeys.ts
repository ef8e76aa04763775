/**
 * Keys typed before the sign-in form can take them. The window opens, the desk starts typing the username, and for
 * a moment nothing on the page has focus (the page is still loading, or painted but not yet focused): those keys
 * would be lost. From the moment the page starts (an inline script in index.html keeps them until this module takes
 * over; main.ts imports it first) until the sign-in page takes them, keys that reach the page while nothing has focus
 * are kept here; the sign-in page replays them into its fields.
 */

declare global {
  interface Window {
    /** index.html's inline keeper: the keys so far and its listener (removed when this module takes over). */
    __clinicdeskEarlyKeys?: { keys: string[]; listener: (e: KeyboardEvent) => void };
  }
}

let buffer: string[] = [];
let listening = false;

/** True when no field, button or link has the cursor (keys go to the page itself). */
export function nothingFocused(doc: Document = document): boolean {
  const a = doc.activeElement;
  return !a || a === doc.body || a === doc.documentElement;
}

function onKey(e: KeyboardEvent) {
  if (!listening || !nothingFocused() || e.ctrlKey || e.altKey || e.metaKey) return;
  if (e.key.length === 1 || e.key === "Tab" || e.key === "Backspace" || e.key === "Enter") {
    buffer.push(e.key);
    e.preventDefault();
  }
}

/** Starts keeping keys typed while nothing has focus (idempotent). */
export function keepEarlyKeys(target: EventTarget = window) {
  if (listening) return;
  listening = true;
  const early = typeof window !== "undefined" ? window.__clinicdeskEarlyKeys : undefined;
  if (early) {
    window.removeEventListener("keydown", early.listener, true);
    buffer.push(...early.keys);
    delete window.__clinicdeskEarlyKeys;
  }
  target.addEventListener("keydown", onKey as EventListener, true);
}

/** The keys kept so far, and stops keeping them (later keys go where the focus is). */
export function takeEarlyKeys(target: EventTarget = window): string[] {
  listening = false;
  target.removeEventListener("keydown", onKey as EventListener, true);
  const keys = buffer;
  buffer = [];
  return keys;
}

export interface SignInKeys {
  username: string;
  password: string;
  /** The field the next key belongs in. */
  field: "username" | "password";
  /** Enter was pressed with both fields filled. */
  submit: boolean;
}

/**
 * Replays keys into a username/password pair as the form would have taken them with the cursor in Username:
 * characters go into the current field, Backspace deletes, Tab moves to Password (Shift+Tab is not kept: it is
 * Tab's key too, so a Tab after Password stays there), Enter submits. Keys after Enter are dropped.
 */
export function replaySignInKeys(keys: string[], start: Omit<SignInKeys, "submit"> = { username: "", password: "", field: "username" }): SignInKeys {
  const r: SignInKeys = { ...start, submit: false };
  for (const k of keys) {
    if (r.submit) break;
    if (k === "Tab") r.field = "password";
    else if (k === "Enter") r.submit = true;
    else if (k === "Backspace") r[r.field] = r[r.field].slice(0, -1);
    else r[r.field] += k;
  }
  return r;
}
