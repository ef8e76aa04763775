/**
 * Issue 17, the last desk screens in Spanish: the series dialog (labels, weekdays, visit days from the ISO date,
 * conflict sentences, plural button, last date typed as dd/MM/yyyy), the waitlist (labels, window dates in the
 * clinic's format, statuses, Spanish field errors, a typed date sent as ISO) and the appointment actions' button
 * names (the day in the clinic's format, the time on its clock).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h } from "vue";
import { flushPromises, mount } from "@vue/test-utils";
import Toast from "primevue/toast";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "previewSeries", "bookSeries", "listWaitlist", "addWaitlistEntry", "listDoctors", "waitlistMatches", "onSlotFreed",
  ]));

import { api, type Appointment, type Doctor, type FreedSlot, type Occurrence, type Slot, type WaitlistEntry } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import { applyLocale, DEFAULT_LOCALE } from "../format";
import { conflictText } from "../../lib/series";
import SeriesDialog from "../../components/SeriesDialog.vue";
import WaitlistPage from "../../pages/WaitlistPage.vue";
import ApptActions from "../../components/ApptActions.vue";
import SlotFreedNotice from "../../components/SlotFreedNotice.vue";
import { useWaitlistStore } from "../../stores/waitlist";
import { useSettingsStore } from "../../stores/settings";

const m = apiMocks(api);
const routes = [{ path: "/", name: "home" }, { path: "/waitlist", name: "waitlist" }];
const byTestId = <T extends HTMLElement = HTMLElement>(id: string) => document.querySelector<T>(`[data-testid="${id}"]`);
function type(el: HTMLInputElement | null, value: string) {
  el!.value = value;
  el!.dispatchEvent(new Event("input", { bubbles: true }));
}

const slot = (date: string, time: string): Slot => ({
  doctor_id: 2, starts_at: `${date}T${time}:00Z`, ends_at: `${date}T${time}:15Z`, date, time, end_time: time,
});
const occ = (date: string, conflict: string | null, alternative: Slot | null = null): Occurrence => ({
  date, label: "Tue 1 Dec", time: "10:00", slot: slot(date, "10:00"), conflict, alternative,
});

beforeEach(() => {
  vi.clearAllMocks();
  applyLocale({ language: "es", date_format: "dd/MM/yyyy", clock: "24h" });
});
afterEach(() => {
  applyLocale(DEFAULT_LOCALE);
  document.body.innerHTML = "";
});

describe("SeriesDialog in Spanish, dd/MM/yyyy, 24h", () => {
  const Host = defineComponent({
    render: () => h(SeriesDialog, { visible: true, slot: slot("2026-12-01", "10:00"), patientId: 9, typeId: null, reason: "" }),
  });

  it("labels, weekdays and the first visit in Spanish; the preview's days, conflicts and button too; axe clean", async () => {
    m.previewSeries.mockResolvedValue([
      occ("2026-12-01", null),
      occ("2026-12-08", "The doctor is on leave then.", slot("2026-12-09", "10:15")),
      occ("2026-12-15", "Dr. Rao already has an appointment then."),
      occ("2026-12-22", null),
    ]);
    const { w } = await mountWithRouter(Host, { routes });
    const text = () => document.body.textContent ?? "";
    expect(text()).toContain("Repetir esta visita");
    expect(text()).toContain("Primera visita el mar, 1 dic a las 10:00; todas las visitas mantienen esta hora.");
    expect(byTestId("series-weekday-1")!.closest("label")!.textContent!.trim()).toBe("lun");
    expect(byTestId("series-weekday-7")!.closest("label")!.textContent!.trim()).toBe("dom");
    expect(byTestId("series-unit")!.textContent).toContain("semanas");
    expect(text()).toContain("Número de visitas");

    byTestId("series-preview")!.click();
    await flushPromises();
    // the day from the ISO date, not the backend's English label
    expect(byTestId("series-row-0")!.textContent).toContain("mar, 1 dic 10:00");
    expect(byTestId("series-row-0")!.textContent).not.toContain("Tue");
    expect(byTestId("series-conflict-1")!.textContent).toBe("El médico está ausente a esa hora.");
    expect(byTestId("series-alt-1")!.closest("label")!.textContent).toContain("Usar mié, 9 dic 10:15");
    expect(byTestId("series-conflict-2")!.textContent).toBe("Dr. Rao ya tiene una cita a esa hora.");
    expect(byTestId("series-row-2")!.textContent).toContain("Omitida: no hay horas libres cercanas.");
    expect(byTestId("series-book")!.textContent).toContain("Reservar 2 visitas");
    byTestId<HTMLInputElement>("series-take-3")!.click();
    await flushPromises();
    expect(byTestId("series-book")!.textContent).toContain("Reservar 1 visita");
    expect(await seriousAxeFindings(document.body)).toEqual([]);
    w.unmount();
  });

  it("refuses a wrong count in Spanish, and sends a last date typed as dd/MM/yyyy as ISO", async () => {
    m.previewSeries.mockResolvedValue([occ("2026-12-01", null)]);
    const { w } = await mountWithRouter(Host, { routes });
    type(byTestId<HTMLInputElement>("series-count"), "105");
    byTestId("series-preview")!.click();
    await flushPromises();
    expect(m.previewSeries).not.toHaveBeenCalled();
    expect(document.getElementById("series-count-error")!.textContent).toBe("Una serie tiene de 1 a 104 visitas.");

    byTestId<HTMLInputElement>("series-ends-until")!.click();
    await flushPromises();
    expect(byTestId<HTMLInputElement>("series-until")!.placeholder).toBe("DD/MM/AAAA");
    type(byTestId<HTMLInputElement>("series-until"), "15/01/2027");
    byTestId("series-preview")!.click();
    await flushPromises();
    expect(m.previewSeries).toHaveBeenCalledWith(expect.objectContaining({ count: null, until: "2027-01-15" }));
    w.unmount();
  });

  it("maps every known conflict sentence and passes an unknown one through", () => {
    expect(conflictText(null)).toBe("Esta hora no existe ese día.");
    expect(conflictText("The clinic is closed that day.")).toBe("La clínica está cerrada ese día.");
    expect(conflictText("That time has already passed.")).toBe("Esa hora ya ha pasado.");
    expect(conflictText("The patient has another appointment then.")).toBe("El paciente tiene otra cita a esa hora.");
    expect(conflictText("The doctor does not see patients then.")).toBe("El médico no atiende pacientes a esa hora.");
    expect(conflictText("That time does not exist on this day (the clocks change).")).toBe("Esa hora no existe ese día (cambio de hora).");
    expect(conflictText("Something new from the backend.")).toBe("Something new from the backend.");
  });
});

describe("WaitlistPage in Spanish, dd/MM/yyyy, 24h", () => {
  const doctor: Doctor = {
    id: 3, staff_username: null, department_id: 7, department_name: "Medicina general", full_name: "Dr. Rao",
    qualification: "MBBS", experience_years: 10, phone: null, email: null, consultation_fee_cents: 5000,
    slot_minutes: 15, active: true,
  };
  const entry: WaitlistEntry = {
    id: 11, patient_id: 5, patient_name: "Wim Waiting", patient_mrn: "MRN-5", doctor_id: null, doctor_name: null,
    department_id: 7, department_name: "Medicina general", window_from: "2026-12-01", window_to: "2026-12-05",
    time_from: "14:00:00", time_to: "18:30:00", note: "", created_by: "desk", created_at: "2026-11-30T09:00:00Z",
    status: "open", appointment_id: null,
  };

  it("lists an entry with its window in the clinic's format, its times, status and Spanish button name; axe clean", async () => {
    m.listDoctors.mockResolvedValue([doctor]);
    m.listWaitlist.mockResolvedValue([entry]);
    const { w } = await mountWithRouter(WaitlistPage, { routes, path: "/waitlist" });
    expect(w.find("h1").text()).toBe("Lista de espera");
    const row = w.find('[data-testid="waitlist-row-11"]').text();
    expect(row).toContain("Cualquier médico — Medicina general");
    expect(row).toContain("01/12/2026 – 05/12/2026");
    expect(row).toContain("14:00–18:30");
    expect(row).toContain("En espera");
    expect(w.find('[data-testid="waitlist-close"]').attributes("aria-label")).toBe("Quitar de la lista de espera: Wim Waiting");
    expect(w.text()).toContain("Añadir un paciente en espera");
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });

  it("says what is missing in Spanish, and sends a window typed as dd/MM/yyyy as ISO", async () => {
    m.listDoctors.mockResolvedValue([doctor]);
    m.listWaitlist.mockResolvedValue([]);
    // the page plus a Toast outlet (as App.vue has), so the toast can be read from the document
    const withToast = defineComponent({ render: () => [h(WaitlistPage), h(Toast)] });
    const { w } = await mountWithRouter(withToast, { routes, path: "/waitlist" });
    expect(w.text()).toContain("No hay nadie en espera.");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(w.text()).toContain("Busque y elija al paciente.");
    expect(w.text()).toContain("Elija un médico o un departamento.");
    expect(m.addWaitlistEntry).not.toHaveBeenCalled();

    const vm = w.findComponent(WaitlistPage).vm as unknown as { patient: unknown; draft: { target: string; part: string } };
    vm.patient = { id: 5, mrn: "MRN-5", full_name: "Wim Waiting" };
    vm.draft.target = "dep:7";
    vm.draft.part = "evening";
    await flushPromises();
    type(byTestId<HTMLInputElement>("waitlist-from"), "03/12/2026");
    type(byTestId<HTMLInputElement>("waitlist-to"), "20/12/2026");
    m.addWaitlistEntry.mockResolvedValue({ ...entry, id: 12 });
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.addWaitlistEntry).toHaveBeenCalledWith(expect.objectContaining({
      department_id: 7, window_from: "2026-12-03", window_to: "2026-12-20", time_from: "17:00:00", time_to: "21:00:00",
    }));
    expect(document.body.textContent).toContain("Añadido a la lista de espera");
    w.unmount();
  });
});

describe("SlotFreedNotice in Spanish: the freed slot from its instants in the clinic's zone", () => {
  it("says the day and times in the clinic's language and clock; the backend's label until the zone is known", async () => {
    let emit: (s: FreedSlot) => void = () => undefined;
    m.onSlotFreed.mockImplementation(async (cb: (s: FreedSlot) => void) => {
      emit = cb;
      return () => undefined;
    });
    const slotFreed: FreedSlot = { doctor_id: 3, starts_at: "2026-12-02T09:00:00Z", ends_at: "2026-12-02T09:15:00Z" };
    const waiting = { id: 11, patient_name: "Wim Waiting", patient_mrn: "MRN-5", doctor_name: "Dr. Rao", note: "" };
    m.waitlistMatches.mockResolvedValue({
      slot: slotFreed, doctor_name: "Dr. Rao", date: "2026-12-02", label: "09:00–09:15 on Wed 2 Dec", free: true, entries: [waiting],
    });
    const { w } = await mountWithRouter(SlotFreedNotice, { routes });
    await useWaitlistStore().listen();
    emit(slotFreed);
    await flushPromises();
    expect(w.find(".slot").text()).toBe("Dr. Rao, 09:00–09:15 on Wed 2 Dec"); // no zone yet: the backend's label

    useSettingsStore().settings = { clinic_name: "C", time_zone: "Europe/Madrid", idle_lock_minutes: 10, ...DEFAULT_LOCALE,
      language: "es" } as never;
    await flushPromises();
    expect(w.find(".slot").text()).toBe("Dr. Rao, mié, 2 dic, de 10:00 a 10:15");
    expect(w.find('[data-testid="slot-notice-dismiss"]').attributes("aria-label")).toBe("Descartar el aviso de mié, 2 dic, de 10:00 a 10:15");
    applyLocale({ language: "en", clock: "12h" });
    await flushPromises();
    expect(w.find(".slot").text()).toBe("Dr. Rao, 10:00 AM–10:15 AM on Wed 2 Dec");
    w.unmount();
  });
});

describe("ApptActions in Spanish", () => {
  const appt = (date: string): Appointment => ({
    id: 7, doctor_id: 2, doctor_name: "Dr. Gómez", department_name: "General", patient_id: 9, patient_name: "Ana Ruiz",
    patient_mrn: "M9", patient_blacklisted: false, starts_at: `${date}T14:30:00Z`, ends_at: `${date}T14:45:00Z`,
    date, time: "14:30", end_time: "14:45", status: "booked", cancel_reason: null, overbooked: false, late: false,
    type_id: null, type_name: null, type_colour: null, reason: "", series_id: null,
  });

  it("names the action, the patient and the day (dd/MM/yyyy, 24h)", () => {
    const today = mount(ApptActions, { props: { appt: appt("2026-12-03"), today: "2026-12-03" } });
    expect(today.find('[data-testid="appt-checkin-7"]').attributes("aria-label")).toBe("Registrar llegada: Ana Ruiz, hoy a las 14:30");
    const later = mount(ApptActions, { props: { appt: appt("2026-12-10"), today: "2026-12-03" } });
    expect(later.find('[data-testid="appt-cancel-7"]').attributes("aria-label")).toBe("Anular: Ana Ruiz, 10/12/2026 a las 14:30");
    expect(later.find('[data-testid="appt-checkin-7"]').exists()).toBe(false);
  });

  it("follows a US date format and a 12-hour clock", () => {
    applyLocale({ language: "es", date_format: "MM/dd/yyyy", clock: "12h" });
    const later = mount(ApptActions, { props: { appt: appt("2026-12-10"), today: "2026-12-03" } });
    expect(later.find('[data-testid="appt-reschedule-7"]').attributes("aria-label")).toBe("Cambiar la cita: Ana Ruiz, 12/10/2026 a las 2:30 p. m.");
  });
});
