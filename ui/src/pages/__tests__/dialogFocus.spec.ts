import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { config, flushPromises } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["searchPatients", "registerPatient"]));

import { api } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { tabTo, typeKeys } from "../../test/keyboard";
import { useSessionStore } from "../../stores/session";
import PatientsPage from "../PatientsPage.vue";

const field = (id: string) => document.querySelector<HTMLInputElement>(`[data-testid="${id}"]`)!;
/** PrimeVue's Dialog moves focus when its opening animation ends (two animation frames in jsdom). */
const animationEnds = () => new Promise((r) => setTimeout(r, 100));

describe("dialog autofocus", () => {
  // real <Transition>s, so the dialog's after-enter focus runs as in the app
  const stubs = config.global.stubs;
  beforeAll(() => {
    config.global.stubs = { ...stubs, transition: false };
  });
  afterAll(() => {
    config.global.stubs = stubs;
  });

  const openNewPatient = async () => {
    apiMocks(api).searchPatients.mockResolvedValue([]);
    const { w } = await mountWithRouter(PatientsPage, {
      path: "/patients",
      routes: [{ path: "/patients", name: "patients" }, { path: "/patients/:id", name: "patient" }],
      beforeMount: () => {
        useSessionStore().session = { username: "rita", full_name: "Rita", role: "reception", clinic_name: "C", idle_lock_minutes: 10 };
      },
    });
    expect(document.activeElement).toBe(field("patient-search"));
    typeKeys("pri"); // the person used the screen before opening the dialog
    field("patient-new").focus();
    await w.find('[data-testid="patient-new"]').trigger("click");
    await flushPromises();
    return w;
  };

  it("puts the cursor in the dialog's first field when it opens, and it stays there after the animation", async () => {
    const w = await openNewPatient();
    expect(document.activeElement).toBe(field("patient-full-name"));
    await animationEnds();
    expect(document.activeElement).toBe(field("patient-full-name"));
    w.unmount();
  });

  it("gives the cursor back to the button that opened it when it closes", async () => {
    const w = await openNewPatient();
    await animationEnds();
    typeKeys("Pri");
    [...document.querySelectorAll<HTMLButtonElement>('[role="dialog"] button')].find((b) => b.textContent?.trim() === "Cancel")!.click();
    await animationEnds();
    expect(document.activeElement).toBe(field("patient-new"));
    w.unmount();
  });

  it("does not move the cursor when the animation ends after the person went on to another field and typed", async () => {
    const w = await openNewPatient();
    typeKeys("Priya");
    tabTo(field("patient-phone"));
    typeKeys("+44 77");
    await animationEnds();
    typeKeys("00 900456");
    expect(document.activeElement).toBe(field("patient-phone"));
    expect(field("patient-full-name").value).toBe("Priya");
    expect(field("patient-phone").value).toBe("+44 7700 900456");
    w.unmount();
  });
});
