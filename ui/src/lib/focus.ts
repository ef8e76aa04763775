/**
 * Where the cursor goes without the person asking. The one rule: a screen or dialog may put the cursor in its first
 * field once, when it first appears, and never after a key has been pressed there. A late move would send the rest of
 * what the person is typing into another field (on a slow desk PC: the end of a password into the visible Username).
 *
 * - `installFocusGuard(router)` (once, in main.ts) notes every key press, starts a new screen on each route change
 *   and keeps PrimeVue's dialogs from moving the cursor after their opening animation if it is already inside them
 *   or the person has typed in them.
 * - `v-autofocus` on a screen's or dialog's first field is the only autofocus: no `autofocus` attribute, no
 *   `focus()` after an awaited load.
 * - `focusUnlessMovedOn` and `keepingFocus` move focus after an action the person started, unless they went on
 *   elsewhere meanwhile.
 */
import { nextTick, type Directive } from "vue";
import { START_LOCATION, type Router } from "vue-router";
import Dialog from "primevue/dialog";

const DIALOG = '[role="dialog"], [role="alertdialog"]';

/** A key was pressed since the current screen (route) appeared. */
let typedOnScreen = false;
/** Dialogs (their container element, new on every opening) a key was pressed in. */
let typedInDialog = new WeakSet<Element>();

const MODIFIERS = new Set(["Control", "Shift", "Alt", "Meta", "AltGraph", "CapsLock"]);

function noteKey(e: Event) {
  // a shortcut (Ctrl+L, Alt+3) or a modifier held down is not typing: the screen it opens may still take the cursor
  if (e instanceof KeyboardEvent && (MODIFIERS.has(e.key) || e.ctrlKey || e.altKey || e.metaKey)) return;
  typedOnScreen = true;
  const dialog = e.target instanceof Element ? e.target.closest(DIALOG) : null;
  if (dialog) typedInDialog.add(dialog);
}

/** A new screen appeared (the router calls this on a route change): its first field may take the cursor again. */
export function newScreen() {
  typedOnScreen = false;
}

/** Whether `el` may still take the cursor by itself: no key pressed in its dialog, or on its screen if not in one. */
export function mayAutofocus(el: Element): boolean {
  const dialog = el.closest(DIALOG);
  return dialog ? !typedInDialog.has(dialog) : !typedOnScreen;
}

/**
 * Puts the cursor in `el` as its screen or dialog first paints, unless a key has been pressed there. Runs after the
 * current render (so a PrimeVue dialog has noted which element to give focus back to on closing) and checks the
 * guard then, not when it was asked.
 */
export function autofocus(el: HTMLElement | null | undefined) {
  void nextTick(() => {
    if (el && el.isConnected && mayAutofocus(el)) el.focus();
  });
}

/** `v-autofocus` (or `v-autofocus="false"` to turn it off): `autofocus(el)` when the element is mounted. */
export const vAutofocus: Directive<HTMLElement, boolean | undefined> = {
  mounted(el, binding) {
    if (binding.value !== false) autofocus(el);
  },
};

type DialogFocus = { container?: HTMLElement | null };
let dialogGuarded = false;

/**
 * PrimeVue's Dialog moves focus once its opening animation ends (to an `[autofocus]` element, else its close button):
 * on a busy machine that is long after its first field took the cursor and the person started typing. It now does
 * so only while the cursor is still outside the dialog and nobody has typed in it.
 */
function guardDialogFocus() {
  if (dialogGuarded) return;
  dialogGuarded = true;
  const methods = (Dialog as unknown as { methods: { focus: (this: DialogFocus) => void } }).methods;
  const lateFocus = methods.focus;
  methods.focus = function (this: DialogFocus) {
    const box = this.container;
    if (box && (box.contains(document.activeElement) || typedInDialog.has(box))) return;
    lateFocus.call(this);
  };
}

/**
 * Notes key presses on `target` (capture phase, before any handler can move focus), starts a new screen on every
 * route change (not on a query change: the same page stays) and guards PrimeVue dialogs (before the first one is
 * created). Returns a function that stops noting keys and forgets them (tests); calling it again is harmless.
 */
export function installFocusGuard(router?: Router, target: EventTarget = window): () => void {
  guardDialogFocus();
  target.addEventListener("keydown", noteKey, true);
  const stopRoutes = router?.afterEach((to, from, failure) => {
    if (!failure && (from === START_LOCATION || to.path !== from.path)) newScreen();
  });
  return () => {
    target.removeEventListener("keydown", noteKey, true);
    stopRoutes?.();
    typedOnScreen = false;
    typedInDialog = new WeakSet();
  };
}

/**
 * After an action the person started (a click, a key) and awaited, moves focus to `target` only if they have not
 * moved on: focus is still inside `from` (the control or region they acted in) or was lost to the page. Typing in
 * another field meanwhile keeps the cursor there.
 */
export function focusUnlessMovedOn(target: HTMLElement | null | undefined, from: Element | null | undefined) {
  const now = document.activeElement;
  const lost = !now || now === document.body || !now.isConnected;
  if (target && (lost || (from && from.contains(now)))) target.focus();
}

/**
 * Runs `task`, then gives focus back if it was lost meanwhile: a PrimeVue Button is disabled while `loading`, and a
 * row's buttons re-render after a reload, so the keyboard user would be left on <body>. Focus returns to the element
 * that had it (if still in the page and enabled), else to `fallback()`. It is not moved if the user went elsewhere.
 */
export async function keepingFocus<T>(task: () => Promise<T>, fallback?: () => HTMLElement | null | undefined): Promise<T> {
  const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  try {
    return await task();
  } finally {
    await nextTick();
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost) {
      const usable = before && before.isConnected && !before.hasAttribute("disabled") ? before : null;
      (usable ?? fallback?.())?.focus();
    }
  }
}
