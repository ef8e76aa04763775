import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { effectScope, nextTick } from "vue";

vi.mock("../../api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../api")>();
  return { ...actual, api: { searchPatients: vi.fn() } };
});

import { api, type PatientHit } from "../../api";
import { usePatientSearch } from "../usePatientSearch";

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const hit = (id: number, full_name: string): PatientHit => ({ id, mrn: `MRN-${id}`, full_name, date_of_birth: "1990-01-01", phone: null, blacklisted: false, merged_into_id: null });

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("usePatientSearch", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    m.searchPatients.mockReset();
  });
  afterEach(() => vi.useRealTimers());

  it("never lets a slower, older response overwrite a newer one", async () => {
    const slow = deferred<PatientHit[]>();
    const fast = deferred<PatientHit[]>();
    m.searchPatients.mockImplementation((q: string) => (q === "ra" ? slow.promise : fast.promise));
    const scope = effectScope();
    const s = scope.run(() => usePatientSearch(150))!;

    s.query.value = "ra";
    await nextTick();
    await vi.advanceTimersByTimeAsync(150);
    s.query.value = "rao";
    await nextTick();
    await vi.advanceTimersByTimeAsync(150);
    expect(m.searchPatients).toHaveBeenCalledTimes(2);

    fast.resolve([hit(2, "Dr Rao's patient")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.hits.value.map((h) => h.id)).toEqual([2]);
    expect(s.answered.value).toBe("rao");

    slow.resolve([hit(1, "Rachel"), hit(3, "Ravi")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.hits.value.map((h) => h.id)).toEqual([2]);
    expect(s.answered.value).toBe("rao");
    expect(s.loading.value).toBe(false);
    scope.stop();
  });

  it("debounces keystrokes into one request and clears results for an empty query", async () => {
    m.searchPatients.mockResolvedValue([hit(7, "Pat Doe")]);
    const scope = effectScope();
    const s = scope.run(() => usePatientSearch(150))!;
    for (const q of ["p", "pa", "pat"]) {
      s.query.value = q;
      await nextTick();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(m.searchPatients).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(150);
    expect(m.searchPatients).toHaveBeenCalledTimes(1);
    expect(m.searchPatients).toHaveBeenCalledWith("pat");
    expect(s.hits.value).toHaveLength(1);

    s.query.value = "  ";
    await nextTick();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.hits.value).toEqual([]);
    expect(m.searchPatients).toHaveBeenCalledTimes(1);
    scope.stop();
  });

  it("a response arriving after the box was cleared is ignored", async () => {
    const slow = deferred<PatientHit[]>();
    m.searchPatients.mockReturnValue(slow.promise);
    const scope = effectScope();
    const s = scope.run(() => usePatientSearch(150))!;
    s.query.value = "doe";
    await nextTick();
    await vi.advanceTimersByTimeAsync(150);
    s.query.value = "";
    await nextTick();
    slow.resolve([hit(9, "Pat Doe")]);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.hits.value).toEqual([]);
    scope.stop();
  });
});
