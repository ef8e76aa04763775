/**
 * Typing as a person does: every key goes to whatever has focus at that moment (a keydown the focus guard sees,
 * then the character and an `input` event), so a field that steals focus mid-word ends up with the rest of it.
 */
export function typeKeys(text: string) {
  for (const key of text) {
    const el = document.activeElement as HTMLElement | null;
    const target = el ?? document.body;
    target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
      el.value += key;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }
    target.dispatchEvent(new KeyboardEvent("keyup", { key, bubbles: true }));
  }
}

/** Tab to `el` (the key press, then the focus move the browser would make). */
export function tabTo(el: Element) {
  document.activeElement?.dispatchEvent(new KeyboardEvent("keydown", { key: "Tab", bubbles: true, cancelable: true }));
  (el as HTMLElement).focus();
}
