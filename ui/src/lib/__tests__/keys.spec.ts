import { afterEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h, withDirectives } from "vue";
import { mount } from "@vue/test-utils";
import { createMemoryHistory, createRouter } from "vue-router";
import { nameWords, typeaheadMatch, vTypeahead, TYPEAHEAD_RESET_MS } from "../typeahead";
import { keepEarlyKeys, replaySignInKeys, takeEarlyKeys } from "../earlyKeys";
import { installFocusGuard, mayAutofocus } from "../focus";

const DOCTORS = ["Dr. Anil Rao", "Dr. Meera Shah", "Dr. Sam Okafor", "Dr. Rita Sanders"];

describe("doctor type-ahead", () => {
  it("matches names without their title, surname first, and cycles on the same letter", () => {
    expect(nameWords("Dr. Meera Shah (Cardiology)")).toEqual(["meera", "shah", "cardiology"]);
    expect(typeaheadMatch(DOCTORS, -1, "d")).toBe(-1); // "Dr." is not a name
    expect(typeaheadMatch(DOCTORS, -1, "s")).toBe(1); // Shah (surname) before Sam (first name)
    expect(typeaheadMatch(DOCTORS, 1, "s")).toBe(3); // s again: the next surname with s (Sanders)
    expect(typeaheadMatch(DOCTORS, 1, "ss")).toBe(3);
    expect(typeaheadMatch(DOCTORS, -1, "sa")).toBe(3); // Sanders (surname) before Sam
    expect(typeaheadMatch(DOCTORS, -1, "ok")).toBe(2);
    expect(typeaheadMatch(DOCTORS, -1, "anil")).toBe(0); // a first name works too
    expect(typeaheadMatch([null, ...DOCTORS], 0, "r")).toBe(1); // placeholders are skipped
  });

  it("v-typeahead chooses the option and fires change (what v-model hears); keys typed after a pause start over", () => {
    vi.useFakeTimers();
    const onChange = vi.fn();
    const List = defineComponent({
      setup: () => () =>
        withDirectives(
          h("select", { onChange: (e: Event) => onChange((e.target as HTMLSelectElement).value) }, [
            h("option", { value: "", disabled: true }, "Choose a doctor"),
            ...DOCTORS.map((d, i) => h("option", { value: String(i + 1), "data-name": d }, `${d} (General)`)),
          ]),
          [[vTypeahead]],
        ),
    });
    const w = mount(List, { attachTo: document.body });
    const sel = w.element as HTMLSelectElement;
    const press = (k: string) => sel.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    expect(press("s")).toBe(false); // handled: the native type-ahead does not also run
    expect(sel.value).toBe("2");
    press("a"); // "sa": Sanders
    expect(sel.value).toBe("4");
    vi.advanceTimersByTime(TYPEAHEAD_RESET_MS + 1);
    press("r"); // a new search: Rao
    expect(sel.value).toBe("1");
    expect(onChange.mock.calls.map((c) => c[0])).toEqual(["2", "4", "1"]);
    expect(press("Enter")).toBe(true); // other keys are left alone
    w.unmount();
    vi.useRealTimers();
  });
});

describe("keys typed before the sign-in form is there", () => {
  afterEach(() => takeEarlyKeys());

  it("are kept while nothing has focus, and replayed as the form would have taken them", () => {
    keepEarlyKeys();
    for (const k of [..."ritx", "Backspace", "a", "Tab", ..."pw-1", "Enter", "z"]) {
      document.body.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    }
    // a key typed into a field is that field's, not kept
    const input = document.createElement("input");
    document.body.appendChild(input);
    input.focus();
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "q", bubbles: true }));
    input.remove();
    const keys = takeEarlyKeys();
    expect(keys.join("")).not.toContain("q");
    expect(replaySignInKeys(keys)).toEqual({ username: "rita", password: "pw-1", field: "password", submit: true });
    // after they were taken, keys are no longer kept
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "x", bubbles: true }));
    expect(takeEarlyKeys()).toEqual([]);
  });
});

describe("index.html's keeper", () => {
  afterEach(() => takeEarlyKeys());

  it("hands the keys it kept before the app's script ran over to earlyKeys, and stops keeping them itself", () => {
    const kept: string[] = ["r", "i"];
    const listener = vi.fn((e: KeyboardEvent) => kept.push(e.key));
    window.__clinicdeskEarlyKeys = { keys: kept, listener };
    window.addEventListener("keydown", listener, true);
    keepEarlyKeys();
    expect(window.__clinicdeskEarlyKeys).toBeUndefined();
    for (const k of "ta") document.body.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    expect(listener).not.toHaveBeenCalled();
    expect(takeEarlyKeys()).toEqual(["r", "i", "t", "a"]);
  });
});

describe("the focus guard and shortcuts", () => {
  it("a shortcut (Ctrl+L, Alt+3) or a lone modifier is not typing: the next screen may still take the cursor", async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/a", component: { render: () => null } }] });
    const stop = installFocusGuard(router);
    await router.push("/a");
    const el = document.createElement("input");
    document.body.appendChild(el);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Control", ctrlKey: true }));
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "l", ctrlKey: true }));
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "3", altKey: true }));
    expect(mayAutofocus(el)).toBe(true);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    expect(mayAutofocus(el)).toBe(false);
    el.remove();
    stop();
  });
});
