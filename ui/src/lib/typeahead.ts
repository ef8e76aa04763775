/**
 * Type-ahead for native `<select>` lists of people: typing jumps to the option whose name (a word of it, titles
 * such as "Dr." left out) starts with what was typed, so "ra" finds "Dr. Anil Rao" and not every "Dr." option.
 * Native type-ahead only matches the start of the whole option text.
 */
import type { Directive } from "vue";

const TITLES = new Set(["dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "prof", "prof."]);
/** Keys typed within this long of each other make one search ("rao"); after a pause a new one starts. */
export const TYPEAHEAD_RESET_MS = 1000;

/** The words of a name that type-ahead matches: lower-cased, titles and punctuation left out. */
export function nameWords(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[\s(),]+/)
    .filter((w) => w && !TITLES.has(w));
}

/**
 * The index of the option to jump to for `typed`, or -1. A word of the name must start with it; the surname (the
 * name's last word) counts before the other words. The same letter pressed again moves on to the next match
 * (as native lists do); a longer text keeps the current option when it still matches.
 */
export function typeaheadMatch(names: (string | null)[], current: number, typed: string): number {
  const t = typed.toLowerCase();
  if (!t) return -1;
  const repeat = t.length > 1 && [...t].every((ch) => ch === t[0]);
  const needle = repeat ? t[0] : t;
  const n = names.length;
  const start = repeat || t.length === 1 ? current + 1 : current;
  const order = Array.from({ length: n }, (_, i) => (((start + i) % n) + n) % n);
  const words = (i: number) => (names[i] === null ? [] : nameWords(names[i] as string));
  const surname = order.find((i) => {
    const w = words(i);
    return w.length > 0 && w[w.length - 1].startsWith(needle);
  });
  if (surname !== undefined) return surname;
  return order.find((i) => words(i).some((w) => w.startsWith(needle))) ?? -1;
}

interface TypeaheadState {
  typed: string;
  at: number;
  onKey: (e: KeyboardEvent) => void;
}
const states = new WeakMap<HTMLSelectElement, TypeaheadState>();

/** The name an option stands for: its `data-name`, else its text; null for placeholder (disabled / valueless) options. */
function optionName(o: HTMLOptionElement): string | null {
  if (o.disabled) return null;
  return o.dataset.name ?? o.text;
}

/**
 * `v-typeahead` on a `<select>`: printable keys (no Ctrl/Alt/Meta) choose the matching option and fire `change`
 * (what v-model listens to); the key's native handling is prevented. Other keys are left alone.
 */
export const vTypeahead: Directive<HTMLSelectElement, void> = {
  mounted(el) {
    const state: TypeaheadState = {
      typed: "",
      at: 0,
      onKey(e: KeyboardEvent) {
        if (e.ctrlKey || e.altKey || e.metaKey || e.key.length !== 1 || e.key === " ") return;
        const now = Date.now();
        state.typed = now - state.at > TYPEAHEAD_RESET_MS ? e.key : state.typed + e.key;
        state.at = now;
        e.preventDefault();
        const options = Array.from(el.options);
        const i = typeaheadMatch(options.map(optionName), el.selectedIndex, state.typed);
        if (i >= 0 && i !== el.selectedIndex) {
          el.selectedIndex = i;
          el.dispatchEvent(new Event("change", { bubbles: true }));
        }
      },
    };
    states.set(el, state);
    el.addEventListener("keydown", state.onKey);
  },
  unmounted(el) {
    const s = states.get(el);
    if (s) el.removeEventListener("keydown", s.onKey);
    states.delete(el);
  },
};
