import { nextTick } from "vue";

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
