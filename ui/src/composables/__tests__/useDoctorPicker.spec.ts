import { beforeEach, describe, expect, it, vi } from "vitest";
import { createPinia, setActivePinia } from "pinia";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["listDoctors", "myDoctor"]));

import { api, type Doctor } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { useDoctorsStore } from "../../stores/doctors";
import { useDoctorPicker } from "../useDoctorPicker";

const m = apiMocks(api);
const doctor = (id: number, full_name: string, department_name = "General"): Doctor => ({
  id, staff_username: null, department_id: 1, department_name, full_name, qualification: "", experience_years: 1,
  phone: null, email: null, consultation_fee_cents: 0, slot_minutes: 15, active: true,
});

describe("doctor picker (Availability, Calendar)", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
  });

  it("lists every doctor, picks the wanted one (else the first), and follows the store when it reloads", async () => {
    m.listDoctors.mockResolvedValue([doctor(1, "Dr. Anil Rao"), doctor(2, "Dr. Meera Shah", "Cardiology")]);
    const p = useDoctorPicker(() => false);
    expect(await p.load(2)).toBe(true);
    expect(m.listDoctors).toHaveBeenCalledWith(false);
    expect(p.options.value).toEqual([{ id: 1, label: "Dr. Anil Rao (General)" }, { id: 2, label: "Dr. Meera Shah (Cardiology)" }]);
    expect(p.doctorId.value).toBe(2);
    expect(p.doctorName.value).toBe("Dr. Meera Shah");
    await p.load(99);
    expect(p.doctorId.value).toBe(1);

    m.listDoctors.mockResolvedValue([doctor(3, "Dr. Ruth Okafor")]);
    await useDoctorsStore().load(false); // e.g. another screen reloaded the list
    expect(p.options.value.map((o) => o.id)).toEqual([3]);
  });

  it("a doctor's account sees only its own record, and says when it is not linked to one", async () => {
    m.myDoctor.mockResolvedValueOnce(doctor(2, "Dr. Meera Shah"));
    const own = useDoctorPicker(() => true);
    expect(await own.load(1)).toBe(true);
    expect(own.options.value.map((o) => o.id)).toEqual([2]);
    expect(own.doctorId.value).toBe(2);
    expect(m.listDoctors).not.toHaveBeenCalled();

    m.myDoctor.mockResolvedValueOnce(null);
    const unlinked = useDoctorPicker(() => true);
    expect(await unlinked.load()).toBe(false);
    expect(unlinked.options.value).toEqual([]);
    expect(unlinked.doctorId.value).toBeNull();
  });
});
