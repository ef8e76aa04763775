import { afterEach, describe, expect, it } from "vitest";
import { mount } from "@vue/test-utils";
import StatusBadge from "../StatusBadge.vue";
import { STATUS_LABELS, statusLabel } from "../../lib/appointments";
import { applyLocale, DEFAULT_LOCALE } from "../../i18n/format";

afterEach(() => applyLocale(DEFAULT_LOCALE));

describe("desk statuses in Spanish", () => {
  it("the badge shows the Spanish status and flags", async () => {
    applyLocale({ language: "es" });
    const w = mount(StatusBadge, { props: { status: "booked", late: true, overbooked: true } });
    expect(w.text()).toBe("Reservada · Con retraso · Sobrecupo");
  });

  it("the label table follows a language switch", () => {
    expect(STATUS_LABELS.checked_in).toBe("Checked in");
    applyLocale({ language: "es" });
    expect(STATUS_LABELS.checked_in).toBe("En sala de espera");
    expect(statusLabel("no_show")).toBe("No se presentó");
    expect(Object.keys(STATUS_LABELS)).toHaveLength(5);
  });
});

import { createPinia, setActivePinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";
import CancelDialog from "../CancelDialog.vue";
import type { Appointment } from "../../api";

describe("CancelDialog in Spanish, US date format, 12-hour clock", () => {
  it("shows the header, the visit's date and times on the clinic's format and clock, and the buttons", async () => {
    applyLocale({ language: "es", date_format: "MM/dd/yyyy", clock: "12h" });
    const pinia = createPinia();
    setActivePinia(pinia);
    const appt = { id: 1, patient_name: "Ana Ruiz", doctor_name: "Dr. Gómez", date: "2026-12-03", time: "14:30",
      end_time: "15:00", series_id: 2, status: "booked" } as unknown as Appointment;
    const w = mount(CancelDialog, { props: { appt }, attachTo: document.body,
      global: { plugins: [pinia, [PrimeVue, { unstyled: true }], ToastService] } });
    await new Promise((r) => setTimeout(r, 0));
    const text = document.body.textContent ?? "";
    expect(text).toContain("Anular la cita — Ana Ruiz");
    expect(text).toContain("12/03/2026");
    expect(text).toMatch(/2:30.*–.*3:00.*con Dr\. Gómez/);
    expect(text).toContain("Esta y todas las visitas posteriores de la serie");
    expect(text).toContain("Mantener la cita");
    w.unmount();
    document.body.innerHTML = "";
  });
});
