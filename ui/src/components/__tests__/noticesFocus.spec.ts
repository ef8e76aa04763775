import { describe, expect, it } from "vitest";
import { defineComponent, h } from "vue";
import { flushPromises } from "@vue/test-utils";
import Toast from "primevue/toast";
import { mountWithRouter } from "../../test/mountWithRouter";
import { typeKeys } from "../../test/keyboard";
import { useConnectionStore } from "../../stores/connection";
import ConnectionBanner from "../ConnectionBanner.vue";

/** A field being typed into, with the app's toasts and reconnect banner around it (as App.vue has them). */
const Desk = defineComponent({
  setup: () => () => [h("input", { "data-testid": "field" }), h(Toast), h(ConnectionBanner)],
});

describe("notices", () => {
  it("the reconnect banner and the 'connected again' toast leave the cursor where the person types", async () => {
    const { w } = await mountWithRouter(Desk, { path: "/", routes: [{ path: "/", name: "home" }] });
    const field = w.find('[data-testid="field"]').element as HTMLInputElement;
    field.focus();
    typeKeys("Priya");
    const connection = useConnectionStore();
    connection.reconnecting = true;
    await flushPromises();
    expect(w.find('[data-testid="reconnecting"]').exists()).toBe(true);
    typeKeys(" Ra");
    connection.reconnecting = false;
    connection.recoveredAt = new Date();
    await flushPromises();
    expect(document.body.textContent).toContain("Connected again");
    typeKeys("man");
    expect(document.activeElement).toBe(field);
    expect(field.value).toBe("Priya Raman");
    w.unmount();
  });
});
