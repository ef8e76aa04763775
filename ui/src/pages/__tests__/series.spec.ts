/**
 * Issue 14, part 3 in the UI: "Repeat…" on the Book page (preview with free visits and conflicts, accepting an
 * alternative, field errors, a refusal naming the visit, booking the chosen starts) and cancelling a visit of a series
 * together with its later visits.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { defineComponent, h } from "vue";
import { config, flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";
import Toast from "primevue/toast";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "listDoctors", "getPatient", "freeSlots", "doctorAppointmentTypes", "bookAppointment", "previewSeries", "bookSeries",
    "cancelSeries", "cancelAppointment",
  ]));

import { api, ApiError, type Appointment, type Doctor, type Occurrence, type Slot } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { seriousAxeFindings } from "../../test/axe";
import { todayIn } from "../../lib/dates";
import BookPage from "../BookPage.vue";
import CancelDialog from "../../components/CancelDialog.vue";

const m = apiMocks(api);
const TODAY = todayIn(null);
const doctor = (id: number, name: string): Doctor => ({
  id, staff_username: null, department_id: 1, department_name: "General", full_name: name, qualification: "MBBS",
  experience_years: 5, phone: null, email: null, consultation_fee_cents: 2500, slot_minutes: 15, active: true,
});
const slot = (date: string, time: string, doctor_id = 2): Slot => ({
  doctor_id, starts_at: `${date}T${time}:00Z`, ends_at: `${date}T${time}:15Z`, date, time, end_time: time,
});
const appt = (id: number, extra: Partial<Appointment> = {}): Appointment => ({
  id, doctor_id: 2, doctor_name: "Dr. Meera Shah", department_name: "General", patient_id: 9, patient_name: "Hazel Brennan",
  patient_mrn: "M9", patient_blacklisted: false, starts_at: `${TODAY}T09:00:00Z`, ends_at: `${TODAY}T09:15:00Z`,
  date: TODAY, time: "09:00", end_time: "09:15", status: "booked", cancel_reason: null, overbooked: false, late: false,
  type_id: null, type_name: null, type_colour: null, reason: "", series_id: null, ...extra,
});
const hit = { id: 9, mrn: "M9", full_name: "Hazel Brennan", date_of_birth: "1980-03-14", phone: null, blacklisted: false };

const free = (date: string, label: string): Occurrence => ({ date, label, time: "10:00", slot: slot(date, "10:00"), conflict: null, alternative: null });
const PREVIEW: Occurrence[] = [
  free("2026-12-01", "Tue 1 Dec"),
  {
    date: "2026-12-08", label: "Tue 8 Dec", time: "10:00", slot: slot("2026-12-08", "10:00"),
    conflict: "Dr. Meera Shah is on leave that day.", alternative: slot("2026-12-09", "10:15"),
  },
  free("2026-12-15", "Tue 15 Dec"),
];

const byTestId = <T extends HTMLElement = HTMLElement>(id: string) => document.querySelector<T>(`[data-testid="${id}"]`);
function setValue(el: HTMLInputElement | HTMLSelectElement | null, value: string) {
  el!.value = value;
  el!.dispatchEvent(new Event(el instanceof HTMLSelectElement ? "change" : "input", { bubbles: true }));
}

/** PrimeVue's Dialog moves focus when its opening animation ends (two animation frames in jsdom). */
const animationEnds = () => new Promise((r) => setTimeout(r, 100));

afterEach(() => {
  document.body.innerHTML = "";
});

/** The page plus a Toast outlet (as App.vue has), so toasts can be read from the document. */
const withToast = (page: object) => defineComponent({ render: () => [h(page), h(Toast)] });

async function openSeries() {
  const r = await mountWithRouter(withToast(BookPage), {
    path: "/book?patient=9&doctor=2",
    routes: [{ path: "/", name: "home" }, { path: "/book", name: "book" }, { path: "/patients/:id", name: "patient" }],
  });
  expect(byTestId("book-repeat")).toBeNull(); // nothing picked yet
  byTestId(`slot-${TODAY}-09:00`)!.click();
  await flushPromises();
  byTestId("book-repeat")!.focus(); // as Tab + Enter would
  byTestId("book-repeat")!.click();
  await flushPromises();
  expect(byTestId("series-dialog")).not.toBeNull();
  return r;
}

describe("BookPage: Repeat… (a recurring series)", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    m.listDoctors.mockResolvedValue([doctor(2, "Dr. Meera Shah")]);
    m.getPatient.mockResolvedValue({ ...hit, blacklist_reason: null });
    m.freeSlots.mockResolvedValue([{ date: TODAY, label: "Today", slots: [slot(TODAY, "09:00")] }]);
    m.doctorAppointmentTypes.mockResolvedValue([]);
    m.previewSeries.mockResolvedValue(PREVIEW);
  });

  it("previews every visit: free ones ticked, a conflict with its sentence and its alternative off; axe clean", async () => {
    const { w } = await openSeries();
    expect(document.activeElement).toBe(byTestId("series-every")); // the dialog opens on its first field
    setValue(byTestId<HTMLInputElement>("series-every"), "1");
    setValue(byTestId<HTMLSelectElement>("series-unit"), "weeks");
    byTestId<HTMLInputElement>("series-weekday-2")!.click();
    setValue(byTestId<HTMLInputElement>("series-count"), "3");
    byTestId("series-preview")!.click();
    await flushPromises();
    expect(m.previewSeries).toHaveBeenCalledWith({
      doctor_id: 2, patient_id: 9, type_id: null, reason: "", first_start: `${TODAY}T09:00:00Z`,
      every: 1, unit: "weeks", weekdays: [2], count: 3, until: null,
    });
    expect(byTestId("series-row-0")!.textContent).toContain("Tue 1 Dec 10:00");
    expect(byTestId<HTMLInputElement>("series-take-0")!.checked).toBe(true);
    expect(byTestId("series-take-1")).toBeNull();
    expect(byTestId("series-conflict-1")!.textContent).toContain("on leave");
    const alt = byTestId<HTMLInputElement>("series-alt-1")!;
    expect(alt.checked).toBe(false);
    expect(alt.closest("label")!.textContent).toContain("Use Wed 9 Dec 10:15");
    expect(byTestId("series-book")!.textContent).toContain("Book 2 visits");
    expect(await seriousAxeFindings(document.body)).toEqual([]);
    w.unmount();
  });

  it("accepting the alternative and unticking a free visit change the starts sent; success toasts and opens the chart", async () => {
    const { w, router } = await openSeries();
    byTestId("series-preview")!.click();
    await flushPromises();
    byTestId<HTMLInputElement>("series-alt-1")!.click();
    byTestId<HTMLInputElement>("series-take-2")!.click();
    await flushPromises();
    expect(byTestId("series-book")!.textContent).toContain("Book 2 visits");
    m.bookSeries.mockResolvedValueOnce([appt(70, { series_id: 4 }), appt(71, { series_id: 4 })]);
    byTestId("series-book")!.click();
    await flushPromises();
    expect(m.bookSeries).toHaveBeenCalledWith(expect.objectContaining({ doctor_id: 2, patient_id: 9, count: 6 }), [
      "2026-12-01T10:00:00Z", "2026-12-09T10:15:00Z",
    ]);
    expect(byTestId("series-row-0")).toBeNull(); // the dialog closed
    expect(document.body.textContent).toContain("2 visits booked");
    expect(router.currentRoute.value.name).toBe("patient");
    expect(router.currentRoute.value.query.appt).toBe("70");
    w.unmount();
  });

  it("a wrong count is refused on its field before asking; the server's field error shows on its field", async () => {
    const { w } = await openSeries();
    setValue(byTestId<HTMLInputElement>("series-count"), "105");
    byTestId("series-preview")!.click();
    await flushPromises();
    expect(m.previewSeries).not.toHaveBeenCalled();
    const count = byTestId<HTMLInputElement>("series-count")!;
    expect(document.getElementById("series-count-error")!.textContent).toContain("1 to 104");
    expect(count.getAttribute("aria-invalid")).toBe("true");
    expect(count.getAttribute("aria-describedby")).toBe("series-count-error");
    expect(document.activeElement).toBe(count);

    setValue(count, "4");
    m.previewSeries.mockRejectedValueOnce(new ApiError("Validation", "The series must end on or after its first visit.", "until"));
    byTestId<HTMLInputElement>("series-ends-until")!.click();
    setValue(byTestId<HTMLInputElement>("series-until"), "2020-01-01");
    byTestId("series-preview")!.click();
    await flushPromises();
    expect(m.previewSeries).toHaveBeenCalledWith(expect.objectContaining({ count: null, until: "2020-01-01" }));
    expect(document.getElementById("series-until-error")!.textContent).toBe("The series must end on or after its first visit.");
    expect(document.getElementById("series-count-error")).toBeNull();
    expect(byTestId("series-error")).toBeNull();
    expect(await seriousAxeFindings(document.body)).toEqual([]);
    w.unmount();
  });

  it("a refusal shows its sentence in the dialog and keeps the choices", async () => {
    const { w, router } = await openSeries();
    byTestId("series-preview")!.click();
    await flushPromises();
    byTestId<HTMLInputElement>("series-alt-1")!.click();
    await flushPromises();
    const sentence = "The visit on Wed 9 Dec at 10:15: that time was just taken. Nothing was booked.";
    m.bookSeries.mockRejectedValueOnce(new ApiError("Conflict", sentence));
    byTestId("series-book")!.click();
    await flushPromises();
    expect(byTestId("series-error")!.textContent).toBe(sentence);
    expect(byTestId<HTMLInputElement>("series-alt-1")!.checked).toBe(true);
    expect(byTestId<HTMLInputElement>("series-take-0")!.checked).toBe(true);
    expect(router.currentRoute.value.name).toBe("book");

    m.bookSeries.mockRejectedValueOnce(new ApiError("Validation", "The visit on Tue 15 Dec at 10:00: the patient is busy. Nothing was booked.", "starts"));
    byTestId("series-book")!.click();
    await flushPromises();
    expect(byTestId("series-error")!.textContent).toContain("Tue 15 Dec");

    w.unmount();
  });
});

describe("BookPage: Repeat… with real dialog animations", () => {
  // real <Transition>s, so PrimeVue's Dialog focus on open and give-back on close run as in the app
  const stubs = config.global.stubs;
  beforeAll(() => {
    config.global.stubs = { ...stubs, transition: false };
  });
  afterAll(() => {
    config.global.stubs = stubs;
  });
  beforeEach(() => {
    vi.clearAllMocks();
    m.listDoctors.mockResolvedValue([doctor(2, "Dr. Meera Shah")]);
    m.getPatient.mockResolvedValue({ ...hit, blacklist_reason: null });
    m.freeSlots.mockResolvedValue([{ date: TODAY, label: "Today", slots: [slot(TODAY, "09:00")] }]);
    m.doctorAppointmentTypes.mockResolvedValue([]);
  });

  it("opens on its first field and, closed, gives the cursor back to Repeat…", async () => {
    const { w } = await openSeries();
    await animationEnds();
    expect(document.activeElement).toBe(byTestId("series-every"));
    byTestId("series-close")!.click();
    await animationEnds();
    expect(byTestId("series-every")).toBeNull();
    expect(document.activeElement).toBe(byTestId("book-repeat"));
    w.unmount();
  });
});

describe("CancelDialog: a visit of a series", () => {
  function mountDialog(a: Appointment) {
    const pinia = createPinia();
    setActivePinia(pinia);
    const onCancelled = vi.fn();
    const w = mount(CancelDialog, {
      props: { appt: a, onCancelled },
      attachTo: document.body,
      global: { plugins: [pinia, [PrimeVue, { unstyled: true }], ToastService] },
    });
    return { w, onCancelled };
  }
  beforeEach(() => vi.clearAllMocks());

  it("offers 'this and all later' only for a series; with it ticked, cancels the series from this visit", async () => {
    const single = mountDialog(appt(5));
    await flushPromises();
    expect(byTestId("cancel-reason")).not.toBeNull();
    expect(byTestId("cancel-and-later")).toBeNull();
    single.w.unmount();
    document.body.innerHTML = "";

    const { w, onCancelled } = mountDialog(appt(6, { series_id: 4 }));
    await flushPromises();
    expect(await seriousAxeFindings(document.body)).toEqual([]);
    setValue(byTestId<HTMLInputElement>("cancel-reason"), "moving away");
    byTestId<HTMLInputElement>("cancel-and-later")!.click();
    m.cancelSeries.mockResolvedValueOnce(3);
    byTestId("cancel-confirm")!.click();
    await flushPromises();
    expect(m.cancelSeries).toHaveBeenCalledWith(6, "moving away", true);
    expect(m.cancelAppointment).not.toHaveBeenCalled();
    expect(onCancelled).toHaveBeenCalledWith(expect.objectContaining({ id: 6, status: "cancelled" }), 3);
    w.unmount();
  });

  it("without the box, a visit of a series is cancelled alone", async () => {
    const { w, onCancelled } = mountDialog(appt(6, { series_id: 4 }));
    await flushPromises();
    setValue(byTestId<HTMLInputElement>("cancel-reason"), "ill");
    m.cancelAppointment.mockResolvedValueOnce(appt(6, { series_id: 4, status: "cancelled" }));
    byTestId("cancel-confirm")!.click();
    await flushPromises();
    expect(m.cancelAppointment).toHaveBeenCalledWith(6, "ill");
    expect(m.cancelSeries).not.toHaveBeenCalled();
    expect(onCancelled).toHaveBeenCalledWith(expect.objectContaining({ id: 6 }), 1);
    w.unmount();
  });
});
