import { beforeEach, describe, expect, it, vi } from "vitest";
import { effectScope, nextTick } from "vue";

vi.mock("../../api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../api")>();
  return { ...actual, api: { searchPatients: vi.fn() } };
});

import { api, type PatientHit } from "../../api";
import { usePatientSearch } from "../usePatientSearch";

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const hit = (id: number, full_name: string): PatientHit => ({ id, mrn: `MRN-${id}`, full_name, date_of_birth: "1990-01-01", phone: null, blacklisted: false, merged_into_id: null });

const flushPromises = () => new Promise((r) => setTimeout(r, 0));

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("usePatientSearch", () => {
  beforeEach(() => m.searchPatients.mockReset());

  it("searches at the first keystroke, and the keys typed while it runs become one search for the newest text", async () => {
    const first = deferred<PatientHit[]>();
    const second = deferred<PatientHit[]>();
    m.searchPatients.mockImplementation((q: string) => (q === "p" ? first.promise : second.promise));
    const scope = effectScope();
    const s = scope.run(() => usePatientSearch())!;

    s.query.value = "p";
    await nextTick();
    expect(m.searchPatients).toHaveBeenCalledTimes(1);
    expect(m.searchPatients).toHaveBeenLastCalledWith("p");
    for (const q of ["pa", "pat"]) {
      s.query.value = q;
      await nextTick();
    }
    // "pa" and "pat" wait for "p"; only the newest of them is asked next
    expect(m.searchPatients).toHaveBeenCalledTimes(1);
    expect(s.loading.value).toBe(true);
    first.resolve([hit(1, "Pablo")]);
    await flushPromises();
    // the answer for "p" is not drawn: the box holds "pat" and its search is on its way
    expect(s.hits.value).toEqual([]);
    expect(s.loading.value).toBe(true);
    expect(m.searchPatients).toHaveBeenCalledTimes(2);
    expect(m.searchPatients).toHaveBeenLastCalledWith("pat");
    second.resolve([hit(7, "Pat Doe")]);
    await flushPromises();
    expect(s.hits.value.map((h) => h.id)).toEqual([7]);
    expect(s.answered.value).toBe("pat");
    expect(s.loading.value).toBe(false);

    s.query.value = "  ";
    await nextTick();
    await flushPromises();
    expect(s.hits.value).toEqual([]);
    expect(m.searchPatients).toHaveBeenCalledTimes(2);
    scope.stop();
  });

  it("never lets a slower, older response overwrite a newer one", async () => {
    const slow = deferred<PatientHit[]>();
    const fast = deferred<PatientHit[]>();
    m.searchPatients.mockImplementation((q: string) => (q === "ra" ? slow.promise : fast.promise));
    const scope = effectScope();
    const s = scope.run(() => usePatientSearch())!;

    s.query.value = "ra";
    await nextTick();
    s.query.value = "rao";
    await nextTick();
    // Enter asks for the newest text at once, without waiting for "ra"
    const picked = s.refresh();
    expect(m.searchPatients).toHaveBeenCalledTimes(2);
    fast.resolve([hit(2, "Dr Rao's patient")]);
    await picked;
    expect(s.hits.value.map((h) => h.id)).toEqual([2]);
    expect(s.answered.value).toBe("rao");

    slow.resolve([hit(1, "Rachel"), hit(3, "Ravi")]);
    await flushPromises();
    expect(s.hits.value.map((h) => h.id)).toEqual([2]);
    expect(s.answered.value).toBe("rao");
    expect(s.loading.value).toBe(false);
    // "rao" was answered by Enter: it is not asked a second time when "ra" ends
    expect(m.searchPatients).toHaveBeenCalledTimes(2);
    scope.stop();
  });

  it("a response arriving after the box was cleared is ignored", async () => {
    const slow = deferred<PatientHit[]>();
    m.searchPatients.mockReturnValue(slow.promise);
    const scope = effectScope();
    const s = scope.run(() => usePatientSearch())!;
    s.query.value = "doe";
    await nextTick();
    s.query.value = "";
    await nextTick();
    slow.resolve([hit(9, "Pat Doe")]);
    await flushPromises();
    expect(s.hits.value).toEqual([]);
    scope.stop();
  });
});
