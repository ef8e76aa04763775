import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { createMemoryHistory, createRouter } from "vue-router";
import PrimeVue from "primevue/config";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "signIn", "appStatus", "listTimeZones", "completeSetup", "passwordStrength",
  ]));

import { api, ApiError } from "../../api";
import { apiMocks } from "../../test/apiMock";
import SignInPage from "../SignInPage.vue";
import SetupPage from "../SetupPage.vue";
import { applyLocale, clinicLocale, DEFAULT_LOCALE } from "../../i18n/format";

const m = apiMocks(api);

function setup(component: object) {
  const pinia = createPinia();
  setActivePinia(pinia);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/", name: "home", component: { template: "<div/>" } },
      { path: "/signin", name: "signin", component: { template: "<div/>" } },
    ],
  });
  const w = mount(component, { attachTo: document.body, global: { plugins: [pinia, router, [PrimeVue, { unstyled: true }]] } });
  return { w, router };
}

describe("SignInPage", () => {
  beforeEach(() => vi.clearAllMocks());

  it("shows the backend's sentence in an alert region on failure", async () => {
    m.signIn.mockRejectedValue(new ApiError("Unauthenticated", "That username and password do not match."));
    const { w } = setup(SignInPage);
    expect(w.find('[data-testid="signin-error"]').exists()).toBe(false);
    await w.find('[data-testid="signin-username"]').setValue("rita");
    await w.find('[data-testid="signin-password"]').setValue("nope");
    await w.find('[data-testid="signin-submit"]').trigger("click");
    await flushPromises();
    expect(m.signIn).toHaveBeenCalledWith("rita", "nope");
    const err = w.find('[data-testid="signin-error"]');
    expect(err.text()).toBe("That username and password do not match.");
    expect(err.element.closest('[role="alert"]')).not.toBeNull();
    w.unmount();
  });

  it("goes home after a successful sign-in", async () => {
    m.signIn.mockResolvedValue({ username: "rita", full_name: "Rita", role: "reception", clinic_name: "C", idle_lock_minutes: 5 });
    const { w, router } = setup(SignInPage);
    await router.push("/signin");
    await w.find('[data-testid="signin-username"]').setValue("rita");
    await w.find('[data-testid="signin-password"]').setValue("secret");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(router.currentRoute.value.name).toBe("home");
    w.unmount();
  });
});

describe("SetupPage", () => {
  beforeEach(() => vi.clearAllMocks());
  afterEach(() => applyLocale(DEFAULT_LOCALE));

  it("offers the machine's locale, speaks the one chosen, sends it, and shows a refused code on its field", async () => {
    m.appStatus.mockResolvedValue({
      setup_required: true, clinic_name: null, database: { kind: "embedded" }, database_label: "x",
      machine_time_zone: "UTC", version: "0",
    });
    m.listTimeZones.mockResolvedValue(["UTC"]);
    m.completeSetup.mockRejectedValue(new ApiError("Validation", "Choose a first day of the week.", "first_day"));
    const { w } = setup(SetupPage);
    await flushPromises();
    // jsdom's navigator says en-US: month first, 12-hour clock, Sunday
    const value = (id: string) => (w.find(`[data-testid="${id}"]`).element as HTMLSelectElement).value;
    expect([value("setup-language"), value("setup-date_format"), value("setup-clock"), value("setup-first_day")])
      .toEqual(["en", "MM/dd/yyyy", "12h", "0"]);
    await w.find('[data-testid="setup-language"]').setValue("es");
    await w.find('[data-testid="setup-date_format"]').setValue("dd.MM.yyyy");
    await w.find('[data-testid="setup-clock"]').setValue("24h");
    await w.find('[data-testid="setup-first_day"]').setValue("1");
    expect(clinicLocale.language).toBe("es");
    expect(w.text()).toContain("Idioma");

    await w.find('[data-testid="setup-clinic-name"]').setValue("Sunrise");
    await w.find('[data-testid="setup-admin-username"]').setValue("ada");
    await w.find('[data-testid="setup-admin-full-name"]').setValue("Ada Admin");
    await w.find('[data-testid="setup-admin-password"]').setValue("a long passphrase");
    await w.find('[data-testid="setup-admin-password-confirm"]').setValue("a long passphrase");
    await w.find('[data-testid="setup-submit"]').trigger("click");
    await flushPromises();
    expect(m.completeSetup).toHaveBeenCalledWith(expect.objectContaining({
      locale: { language: "es", date_format: "dd.MM.yyyy", clock: "24h", first_day: 1 },
    }));
    expect(w.find('[data-testid="setup-first_day"]').attributes("aria-invalid")).toBe("true");
    w.unmount();
  });

  it("defaults the time zone to the machine's and shows a field error from the backend", async () => {
    m.appStatus.mockResolvedValue({
      setup_required: true, clinic_name: null, database: { kind: "embedded" }, database_label: "x",
      machine_time_zone: "Asia/Kolkata", version: "0",
    });
    m.listTimeZones.mockResolvedValue(["Asia/Kolkata", "Europe/London", "UTC"]);
    m.completeSetup.mockRejectedValue(new ApiError("Validation", "Usernames use letters and digits only.", "admin_username"));
    const { w } = setup(SetupPage);
    await flushPromises();
    expect((w.find('[data-testid="setup-time-zone"]').element as HTMLSelectElement).value).toBe("Asia/Kolkata");

    await w.find('[data-testid="setup-clinic-name"]').setValue("Sunrise");
    await w.find('[data-testid="setup-admin-username"]').setValue("bad name");
    await w.find('[data-testid="setup-admin-full-name"]').setValue("Ada Admin");
    await w.find('[data-testid="setup-admin-password"]').setValue("a long passphrase");
    await w.find('[data-testid="setup-admin-password-confirm"]').setValue("a long passphrase");
    await w.find('[data-testid="setup-load-demo"]').setValue(true);
    await w.find('[data-testid="setup-submit"]').trigger("click");
    await flushPromises();

    expect(m.completeSetup).toHaveBeenCalledWith(expect.objectContaining({ admin_username: "bad name", load_demo: true, time_zone: "Asia/Kolkata" }));
    const input = w.find('[data-testid="setup-admin-username"]');
    expect(input.attributes("aria-invalid")).toBe("true");
    const errId = input.attributes("aria-describedby")!;
    expect(w.find(`#${errId}`).text()).toBe("Usernames use letters and digits only.");
    w.unmount();
  });

  it("keeps a time zone the person chose while the machine's was still loading", async () => {
    let answer!: (s: unknown) => void;
    m.appStatus.mockReturnValue(new Promise((r) => { answer = r; }));
    m.listTimeZones.mockResolvedValue(["Asia/Kolkata", "Europe/London", "UTC"]);
    const { w } = setup(SetupPage);
    await flushPromises(); // the zone list is there, the machine's zone is not yet
    const select = w.find('[data-testid="setup-time-zone"]');
    await select.setValue("Europe/London");
    expect((select.element as HTMLSelectElement).value).toBe("Europe/London");
    answer({
      setup_required: true, clinic_name: null, database: { kind: "embedded" }, database_label: "x",
      machine_time_zone: "Asia/Kolkata", version: "0",
    });
    await flushPromises();
    expect((select.element as HTMLSelectElement).value).toBe("Europe/London");
    w.unmount();
  });

  it("refuses mismatched passwords without calling the backend", async () => {
    m.appStatus.mockResolvedValue({
      setup_required: true, clinic_name: null, database: { kind: "embedded" }, database_label: "x",
      machine_time_zone: "UTC", version: "0",
    });
    m.listTimeZones.mockResolvedValue(["UTC"]);
    const { w } = setup(SetupPage);
    await flushPromises();
    await w.find('[data-testid="setup-clinic-name"]').setValue("Sunrise");
    await w.find('[data-testid="setup-admin-username"]').setValue("admin");
    await w.find('[data-testid="setup-admin-full-name"]').setValue("Ada");
    await w.find('[data-testid="setup-admin-password"]').setValue("one long passphrase");
    await w.find('[data-testid="setup-admin-password-confirm"]').setValue("another one");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.completeSetup).not.toHaveBeenCalled();
    expect(w.find('[data-testid="setup-admin-password-confirm"]').attributes("aria-invalid")).toBe("true");
    w.unmount();
  });
});
