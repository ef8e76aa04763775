/** Issue 18: focus goes where the work goes — sign-in (early keys, lock), validation errors, quick search's Enter. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["quickSearch", "signIn", "signOut"]));

import { api, type Session } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { keepEarlyKeys, takeEarlyKeys } from "../../lib/earlyKeys";
import { useSessionStore } from "../../stores/session";
import SignInPage from "../SignInPage.vue";
import PatientForm from "../../components/PatientForm.vue";
import QuickSearch from "../../components/QuickSearch.vue";

const m = apiMocks(api);
const routes = [{ path: "/signin", name: "signin" }, { path: "/", name: "home" }, { path: "/today", name: "today" }, { path: "/patients/:id", name: "patient" }];
const byTestId = <T extends HTMLElement = HTMLElement>(id: string) => document.querySelector<T>(`[data-testid="${id}"]`)!;

describe("sign-in", () => {
  afterEach(() => takeEarlyKeys());

  it("keys typed before the form appeared land in its fields, the cursor where the next key goes", async () => {
    keepEarlyKeys();
    for (const k of [..."rita", "Tab", ..."violet"]) document.body.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    const { w } = await mountWithRouter(SignInPage, { path: "/signin", routes });
    expect(byTestId<HTMLInputElement>("signin-username").value).toBe("rita");
    expect(byTestId<HTMLInputElement>("signin-password").value).toBe("violet");
    expect(document.activeElement).toBe(byTestId("signin-password"));
    w.unmount();
  });

  it("after a lock (Ctrl+L: a shortcut, not typing) the form names the clinic and the cursor is in Username", async () => {
    const { w } = await mountWithRouter(SignInPage, {
      path: "/signin?reason=locked",
      routes,
      beforeMount: () => {
        window.dispatchEvent(new KeyboardEvent("keydown", { key: "l", ctrlKey: true }));
        // what a lock leaves in the store (see the next test): the session gone, the clinic's name kept
        useSessionStore().status = {
          setup_required: false, clinic_name: "Riverside Clinic", database: { kind: "embedded" }, database_label: "This computer",
          machine_time_zone: "UTC", version: "0.1.0",
        };
      },
    });
    expect(byTestId("signin-clinic").textContent).toBe("Riverside Clinic");
    expect(document.activeElement).toBe(byTestId("signin-username"));
    w.unmount();
  });

  it("the session store keeps the clinic's name for the locked form", async () => {
    const { w } = await mountWithRouter(SignInPage, { path: "/signin", routes });
    const s = useSessionStore();
    s.status = { setup_required: false, clinic_name: null, database: { kind: "embedded" }, database_label: "x", machine_time_zone: "UTC", version: "0" };
    s.session = { clinic_name: "Riverside Clinic" } as Session;
    m.signOut.mockResolvedValue(null);
    await s.signOut();
    expect(s.session).toBeNull();
    expect(s.clinicName).toBe("Riverside Clinic");
    w.unmount();
  });

  it("an empty field on submit gets the cursor", async () => {
    const { w } = await mountWithRouter(SignInPage, { path: "/signin", routes });
    const user = byTestId<HTMLInputElement>("signin-username");
    user.value = "rita";
    user.dispatchEvent(new Event("input"));
    byTestId<HTMLButtonElement>("signin-submit").click();
    await flushPromises();
    expect(byTestId("signin-error").textContent).toContain("Enter your username and password");
    expect(document.activeElement).toBe(byTestId("signin-password"));
    w.unmount();
  });
});

describe("a validation error", () => {
  it("puts the cursor in the first wrong field", async () => {
    const save = vi.fn();
    const w = mount(PatientForm, { props: { save, name: "Tomas" }, attachTo: document.body });
    const submit = w.find('[data-testid="patient-save"]').element as HTMLButtonElement;
    (w.find('[data-testid="patient-phone"]').element as HTMLElement).focus();
    submit.click();
    await flushPromises();
    expect(save).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(document.getElementById("patient-date_of_birth"));
    w.unmount();
  });
});

describe("quick search", () => {
  it("Enter right after typing opens the first result for what was typed: today's appointment, on the board", async () => {
    m.quickSearch.mockResolvedValue({
      patients: [{ id: 3, mrn: "M3", full_name: "Jaya Novak", date_of_birth: "1980-01-01", phone: null, blacklisted: false }],
      doctors: [],
      appointments: [{ id: 44, patient_id: 3, patient_name: "Jaya Novak", time: "09:30", doctor_name: "Dr. Meera Shah", status: "booked" }],
    });
    const { w, router } = await mountWithRouter(QuickSearch, { path: "/", routes });
    await (w as unknown as { setProps: (p: Record<string, unknown>) => Promise<void> }).setProps({ visible: true });
    await flushPromises();
    const input = document.querySelector<HTMLInputElement>('[data-testid="quick-search-input"]')!;
    input.value = "jaya";
    input.dispatchEvent(new Event("input"));
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true })); // before the debounce
    await flushPromises();
    await flushPromises();
    expect(m.quickSearch).toHaveBeenCalledWith("jaya");
    expect(router.currentRoute.value.name).toBe("today");
    expect(router.currentRoute.value.query).toEqual({ appt: "44" });
    w.unmount();
  });
});
