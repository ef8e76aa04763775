import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defineComponent, h, nextTick, ref, withDirectives } from "vue";
import { flushPromises, mount } from "@vue/test-utils";
import { createMemoryHistory, createRouter, type Router } from "vue-router";
import { focusUnlessMovedOn, installFocusGuard, mayAutofocus, vAutofocus } from "../focus";
import { tabTo, typeKeys } from "../../test/keyboard";

/** A screen with two fields, the first with v-autofocus; `key` re-mounts it (as a route re-mount would). */
const Screen = defineComponent({
  props: { inDialog: Boolean },
  setup: (props) => () =>
    h("div", props.inDialog ? { role: "dialog" } : {}, [
      withDirectives(h("input", { "data-testid": "first" }), [[vAutofocus]]),
      h("input", { "data-testid": "second" }),
    ]),
});
const Host = defineComponent({
  setup() {
    const n = ref(0);
    return { n, remount: () => n.value++ };
  },
  render() {
    return h(Screen, { key: this.n });
  },
});

const field = (id: string) => document.querySelector<HTMLInputElement>(`[data-testid="${id}"]`)!;

describe("the focus guard", () => {
  let router: Router;
  let uninstall: () => void;
  beforeEach(async () => {
    router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/a", component: Screen }, { path: "/b", component: Screen }] });
    uninstall = installFocusGuard(router);
    await router.push("/a");
  });
  afterEach(() => {
    uninstall();
    document.body.innerHTML = "";
  });

  it("focuses a screen's first field at first paint", async () => {
    const w = mount(Host, { attachTo: document.body });
    await nextTick();
    expect(document.activeElement).toBe(field("first"));
    w.unmount();
  });

  it("does not take the cursor back when the screen re-mounts after a key was pressed", async () => {
    const w = mount(Host, { attachTo: document.body });
    await nextTick();
    tabTo(field("second"));
    typeKeys("secret");
    (w.vm as unknown as { remount: () => void }).remount();
    await flushPromises();
    expect(document.activeElement).not.toBe(field("first"));
    expect(mayAutofocus(field("first"))).toBe(false);
    w.unmount();
  });

  it("allows it again on the next screen (route change), but not on a query change of the same screen", async () => {
    const w = mount(Host, { attachTo: document.body });
    await nextTick();
    typeKeys("x");
    await router.push("/a?reason=idle");
    expect(mayAutofocus(field("first"))).toBe(false);
    await router.push("/b");
    (w.vm as unknown as { remount: () => void }).remount();
    await flushPromises();
    expect(document.activeElement).toBe(field("first"));
    w.unmount();
  });

  it("keys pressed in a dialog block only that dialog's autofocus; keys on the screen do not block a dialog", async () => {
    const screen = mount(Host, { attachTo: document.body });
    await nextTick();
    typeKeys("on the screen");
    const dialog = mount(Screen, { props: { inDialog: true }, attachTo: document.body });
    await nextTick();
    const first = dialog.find('[data-testid="first"]').element as HTMLInputElement;
    expect(document.activeElement).toBe(first);
    typeKeys("in the dialog");
    expect(mayAutofocus(first)).toBe(false);
    const another = mount(Screen, { props: { inDialog: true }, attachTo: document.body });
    await nextTick();
    expect(document.activeElement).toBe(another.find('[data-testid="first"]').element);
    another.unmount();
    dialog.unmount();
    screen.unmount();
  });
});

describe("focusUnlessMovedOn", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });
  const setup = () => {
    document.body.innerHTML = '<div id="board"><button id="card">card</button></div><input id="other" /><button id="target">t</button>';
    return {
      board: document.getElementById("board")!,
      card: document.getElementById("card")!,
      other: document.getElementById("other")!,
      target: document.getElementById("target")!,
    };
  };

  it("moves focus when it is still where the action started, or lost", () => {
    const { board, card, target } = setup();
    card.focus();
    focusUnlessMovedOn(target, board);
    expect(document.activeElement).toBe(target);
    (document.activeElement as HTMLElement).blur();
    focusUnlessMovedOn(card, board);
    expect(document.activeElement).toBe(card);
  });

  it("leaves focus alone when the person went on to another field", () => {
    const { board, other, target } = setup();
    other.focus();
    focusUnlessMovedOn(target, board);
    expect(document.activeElement).toBe(other);
  });
});
