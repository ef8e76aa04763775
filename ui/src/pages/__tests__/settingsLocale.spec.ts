import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "getSettings", "getDatabaseConfig", "listTimeZones", "updateSettings", "getWaitAlertMinutes",
  ]));

import { api, ApiError, type ClinicSettings } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { applyLocale, clinicLocale, DEFAULT_LOCALE, formatTime } from "../../i18n/format";
import { seriousAxeFindings } from "../../test/axe";
import SettingsPage from "../SettingsPage.vue";

const m = apiMocks(api);
const saved: ClinicSettings = { clinic_name: "Riverside", time_zone: "Europe/Madrid", idle_lock_minutes: 10, ...DEFAULT_LOCALE };

async function mountPage() {
  m.getSettings.mockResolvedValue(saved);
  m.getDatabaseConfig.mockResolvedValue({ kind: "embedded" });
  m.listTimeZones.mockResolvedValue(["Europe/Madrid"]);
  m.getWaitAlertMinutes.mockResolvedValue(20);
  setActivePinia(createPinia());
  const w = mount(SettingsPage, {
    attachTo: document.body,
    global: {
      plugins: [[PrimeVue, { unstyled: true }], ToastService],
      stubs: { NotificationChannels: true, JobTimes: true, ReminderRules: true, BackupsCard: true },
    },
  });
  await flushPromises();
  return w;
}

afterEach(() => {
  applyLocale(DEFAULT_LOCALE);
  localStorage.clear();
});

describe("Settings → the clinic's language and formats", () => {
  it("switches the clinic to Spanish, 12-hour and Sunday-first: saved, in force at once and remembered on this PC", async () => {
    const w = await mountPage();
    const select = (id: string) => w.find(`[data-testid="settings-${id}"]`);
    // each list shows its choices as examples
    expect(select("date_format").text()).toContain("24/12/2026");
    expect(select("date_format").text()).toContain("12/24/2026");
    expect(select("clock").text()).toContain("2:30 PM");
    expect(await seriousAxeFindings(document.body)).toEqual([]);

    await select("language").setValue("es");
    await select("date_format").setValue("MM/dd/yyyy");
    await select("clock").setValue("12h");
    await select("first_day").setValue("0");
    m.updateSettings.mockImplementation(async (s: ClinicSettings) => s);
    await w.find('[data-testid="settings-save"]').trigger("submit");
    await flushPromises();
    expect(m.updateSettings).toHaveBeenCalledWith(expect.objectContaining({
      language: "es", date_format: "MM/dd/yyyy", clock: "12h", first_day: 0,
    }));
    expect({ ...clinicLocale }).toEqual({ language: "es", date_format: "MM/dd/yyyy", clock: "12h", first_day: 0 });
    expect(formatTime("14:30")).toBe("2:30 p. m.");
    expect(JSON.parse(localStorage.getItem("clinicdesk.locale")!)).toMatchObject({ language: "es", clock: "12h" });
    // the page's own labels follow
    expect(w.find('label[for="settings-language"]').text()).toBe("Idioma");
    w.unmount();
  });

  it("puts the backend's refusal of a code by its field", async () => {
    const w = await mountPage();
    m.updateSettings.mockRejectedValueOnce(new ApiError("Validation", "Choose a 24-hour or 12-hour clock.", "clock"));
    await w.find('[data-testid="settings-save"]').trigger("submit");
    await flushPromises();
    expect(w.find("#settings-clock-error").text()).toBe("Choose a 24-hour or 12-hour clock.");
    expect(w.find('[data-testid="settings-clock"]').attributes("aria-invalid")).toBe("true");
    w.unmount();
  });
});
