import { describe, expect, it } from "vitest";
import { defineComponent, h, ref } from "vue";
import { flushPromises } from "@vue/test-utils";
import { mountWithRouter } from "../../test/mountWithRouter";
import { tabTo, typeKeys } from "../../test/keyboard";
import { useSessionStore } from "../../stores/session";
import SignInPage from "../SignInPage.vue";

const routes = [{ path: "/signin", name: "signin" }, { path: "/", name: "home" }, { path: "/today", name: "today" }];

/** The sign-in page under a key that re-mounts it, as the router view does on a re-render of the same route. */
const Remountable = defineComponent({
  setup() {
    const n = ref(0);
    return { remount: () => n.value++, n };
  },
  render() {
    return h(SignInPage, { key: this.n });
  },
});

const input = (id: string) => document.querySelector<HTMLInputElement>(`[data-testid="${id}"]`)!;

describe("SignInPage focus", () => {
  it("puts the cursor in Username at first paint, and keeps it in Password while the clinic's name and demo accounts load late", async () => {
    const { w } = await mountWithRouter(SignInPage, { path: "/signin", routes });
    expect(document.activeElement).toBe(input("signin-username"));

    typeKeys("ada");
    tabTo(input("signin-password"));
    typeKeys("violet-anchor");
    // the late load: the clinic's name and the demo accounts arrive mid-password and the page re-renders above the form
    const session = useSessionStore();
    session.status = {
      setup_required: false, clinic_name: "Riverside Clinic", database: { kind: "embedded" }, database_label: "This computer",
      machine_time_zone: "UTC", version: "0.1.0",
    };
    session.demoLogins = [{ username: "front.desk", password: "demo-clinic-2026", role: "reception", full_name: "Front Desk" }];
    await flushPromises();
    expect(w.text()).toContain("Riverside Clinic");
    expect(w.find('[data-testid="demo-logins"]').exists()).toBe(true);
    typeKeys("-mango");
    await flushPromises();

    expect(document.activeElement).toBe(input("signin-password"));
    expect(input("signin-username").value).toBe("ada");
    expect(input("signin-password").value).toBe("violet-anchor-mango");
    w.unmount();
  });

  it("does not take the cursor back to Username when the page re-mounts after a key was pressed", async () => {
    const { w, router } = await mountWithRouter(Remountable, { path: "/signin", routes });
    expect(document.activeElement).toBe(input("signin-username"));
    tabTo(input("signin-password"));
    typeKeys("violet");
    (w.vm as unknown as { remount: () => void }).remount();
    await flushPromises();
    expect(document.activeElement).not.toBe(input("signin-username"));
    typeKeys("-anchor");
    expect(input("signin-username").value).toBe("");

    // a new screen (signed out again: a route change) may take it again
    await router.push("/today");
    await router.push("/signin");
    (w.vm as unknown as { remount: () => void }).remount();
    await flushPromises();
    expect(document.activeElement).toBe(input("signin-username"));
    w.unmount();
  });
});

