/** The people and settings administration screens in Spanish: texts from the staff/settings/audit areas, dates in the clinic's format. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";
import ConfirmationService from "primevue/confirmationservice";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "listStaff", "getSettings", "getDatabaseConfig", "listTimeZones", "getWaitAlertMinutes", "auditLog", "auditLogKinds",
  ]));

import { api, type ClinicSettings } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { applyLocale, DEFAULT_LOCALE } from "../format";
import { useSettingsStore } from "../../stores/settings";
import StaffPage from "../../pages/StaffPage.vue";
import SettingsPage from "../../pages/SettingsPage.vue";
import AuditLogPage from "../../pages/AuditLogPage.vue";

const m = apiMocks(api);
const global = {
  plugins: [[PrimeVue, { unstyled: true }], ToastService, ConfirmationService] as never[],
  stubs: { NotificationChannels: true, JobTimes: true, ReminderRules: true, BackupsCard: true },
};
const saved: ClinicSettings = { clinic_name: "Riverside", time_zone: "Europe/Madrid", idle_lock_minutes: 10, ...DEFAULT_LOCALE };

afterEach(() => {
  applyLocale(DEFAULT_LOCALE);
  document.body.innerHTML = "";
});

describe("administration screens in Spanish", () => {
  it("StaffPage: headings, columns, roles and status in Spanish", async () => {
    applyLocale({ ...DEFAULT_LOCALE, language: "es" });
    m.listStaff.mockResolvedValue([
      { id: 2, username: "drrao", full_name: "Dr Rao", role: "doctor", active: false, created_at: "2025-01-02T00:00:00Z" },
    ]);
    setActivePinia(createPinia());
    const w = mount(StaffPage, { global });
    await flushPromises();
    expect(w.find("h1").text()).toBe("Personal");
    expect(w.text()).toContain("Nombre completo");
    expect(w.find('[data-testid="staff-row-drrao"]').text()).toContain("Inactivo");
    expect(w.text()).toContain("Restablecer contraseña");
    expect(w.text()).not.toContain("Reset password");
    w.unmount();
  });

  it("SettingsPage: sections and buttons in Spanish", async () => {
    applyLocale({ ...DEFAULT_LOCALE, language: "es" });
    m.getSettings.mockResolvedValue({ ...saved, language: "es" });
    m.getDatabaseConfig.mockResolvedValue({ kind: "embedded" });
    m.listTimeZones.mockResolvedValue(["Europe/Madrid"]);
    m.getWaitAlertMinutes.mockResolvedValue(20);
    setActivePinia(createPinia());
    const w = mount(SettingsPage, { global });
    await flushPromises();
    expect(w.find("h1").text()).toBe("Ajustes");
    expect(w.text()).toContain("Sala de espera");
    expect(w.text()).toContain("Servidor de la clínica");
    expect(w.find('[data-testid="settings-save"]').text()).toContain("Guardar ajustes");
    w.unmount();
  });

  it("AuditLogPage: Spanish headers; the time in the clinic's zone, US date format and 12-hour clock", async () => {
    const us = { language: "es", date_format: "MM/dd/yyyy", clock: "12h", first_day: 0 } as const;
    applyLocale(us);
    m.auditLogKinds.mockResolvedValue({ staff: ["anna"], tables: ["patients"], actions: ["insert"] });
    m.auditLog.mockResolvedValue({
      entries: [{ id: 1, at: "2026-11-27T08:00:00Z", actor: "anna", action: "insert", table_name: "patients", row_id: "5", details: "{}" }],
      more: false,
    });
    setActivePinia(createPinia());
    useSettingsStore().settings = { ...saved, ...us }; // the store applies its locale; Madrid: 08:00 UTC is 09:00 there
    const w = mount(AuditLogPage, { global });
    await flushPromises();
    expect(w.find("h1").text()).toBe("Registro de auditoría");
    const row = w.find('[data-testid="audit-table-rows"] tbody tr').text();
    expect(row).toContain("11/27/2026");
    expect(row).toMatch(/\b9:00\b/);
    expect(row).not.toContain("08:00");
    expect(w.text()).toContain("Página 1");
    w.unmount();
  });
});
