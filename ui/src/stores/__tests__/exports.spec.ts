import { beforeEach, describe, expect, it, vi } from "vitest";
import { createPinia, setActivePinia } from "pinia";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "onExportProgress", "onExportFinished", "exportDefaultPath", "saveDialog", "exportPatientHistory", "exportVisits",
    "cancelExport",
  ]));

import { api, type ExportFinished, type ExportProgress } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { useExportsStore } from "../exports";

const m = apiMocks(api);
let emitProgress: (p: ExportProgress) => void = () => undefined;
let emitFinished: (p: ExportFinished) => void = () => undefined;
const unlisten = vi.fn();

const finished = (export_id: number, status: ExportFinished["status"], extra: Partial<ExportFinished> = {}): ExportFinished => ({
  export_id, status, rows: 0, bytes: 0, path: "", message: "", ...extra,
});

describe("exports store", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    setActivePinia(createPinia());
    m.onExportProgress.mockImplementation(async (cb: typeof emitProgress) => { emitProgress = cb; return unlisten; });
    m.onExportFinished.mockImplementation(async (cb: typeof emitFinished) => { emitFinished = cb; return unlisten; });
    m.exportDefaultPath.mockResolvedValue(null);
    m.saveDialog.mockResolvedValue("/tmp/history.csv");
    let next = 7;
    m.exportPatientHistory.mockImplementation(async (_p: number, path: string) => ({ export_id: next++, path }));
  });

  it("updates rows only for the matching export id and ignores unknown ids", async () => {
    const s = useExportsStore();
    const a = await s.exportPatient(1, "MRN1", true);
    const b = await s.exportPatient(2, "MRN2", false);
    expect(a?.id).toBe(7);
    expect(b?.id).toBe(8);
    emitProgress({ export_id: 7, rows: 120 });
    expect(s.jobs[7].rows).toBe(120);
    expect(s.jobs[8].rows).toBe(0);
    emitProgress({ export_id: 99, rows: 5 });
    emitFinished(finished(99, "done", { rows: 5 }));
    expect(Object.keys(s.jobs).sort()).toEqual(["7", "8"]);
    expect(s.running.map((j) => j.id).sort()).toEqual([7, 8]);
  });

  it("moves a job to done / failed / cancelled on export-finished and tells listeners once", async () => {
    const s = useExportsStore();
    const seen: string[] = [];
    s.onJobFinished((j) => seen.push(`${j.id}:${j.status}`));
    await s.exportPatient(1, "M1", true);
    await s.exportPatient(2, "M2", true);
    await s.exportPatient(3, "M3", true);
    emitFinished(finished(7, "done", { rows: 42, bytes: 1000, path: "/tmp/final.csv" }));
    emitFinished(finished(8, "failed", { message: "Disk full" }));
    emitFinished(finished(9, "cancelled", { rows: 3 }));
    emitFinished(finished(7, "failed")); // late duplicate: ignored
    emitProgress({ export_id: 7, rows: 999 }); // after the end: ignored
    expect(s.jobs[7]).toMatchObject({ status: "done", rows: 42, bytes: 1000, path: "/tmp/final.csv" });
    expect(s.jobs[8]).toMatchObject({ status: "failed", message: "Disk full" });
    expect(s.jobs[9]).toMatchObject({ status: "cancelled", rows: 3 });
    expect(s.running).toEqual([]);
    expect(seen).toEqual(["7:done", "8:failed", "9:cancelled"]);
  });

  it("uses the configured export path, else the save dialog; a cancelled dialog starts nothing", async () => {
    const s = useExportsStore();
    m.exportDefaultPath.mockResolvedValueOnce("/exports/h.csv");
    await s.exportPatient(5, "M5", false);
    expect(m.saveDialog).not.toHaveBeenCalled();
    expect(m.exportPatientHistory).toHaveBeenLastCalledWith(5, "/exports/h.csv", false);

    await s.exportPatient(5, "M5", true);
    expect(m.saveDialog).toHaveBeenCalledWith(expect.stringMatching(/^history-M5-\d{4}-\d{2}-\d{2}\.csv$/));

    m.exportPatientHistory.mockClear();
    m.saveDialog.mockResolvedValueOnce(null);
    expect(await s.exportPatient(5, "M5", true)).toBeNull();
    expect(m.exportPatientHistory).not.toHaveBeenCalled();
  });

  it("keeps events that arrive before the start call returns its id", async () => {
    const s = useExportsStore();
    await s.listen();
    m.exportPatientHistory.mockImplementationOnce(async (_p: number, path: string) => {
      emitProgress({ export_id: 30, rows: 10 });
      emitFinished(finished(30, "done", { rows: 10, path }));
      return { export_id: 30, path };
    });
    const job = await s.exportPatient(1, "M1", true);
    expect(job?.status).toBe("done");
    expect(s.jobs[30].rows).toBe(10);
  });

  it("subscribes once and cancel asks the backend (the final state comes from the event)", async () => {
    const s = useExportsStore();
    await s.exportPatient(1, "M1", true);
    await s.exportPatient(2, "M2", true);
    expect(m.onExportProgress).toHaveBeenCalledTimes(1);
    m.cancelExport.mockResolvedValue(null);
    await s.cancel(7);
    expect(m.cancelExport).toHaveBeenCalledWith(7);
    expect(s.jobs[7]).toMatchObject({ status: "running", cancelling: true });
    emitFinished(finished(7, "cancelled"));
    expect(s.jobs[7].status).toBe("cancelled");
    s.stopListening();
    expect(unlisten).toHaveBeenCalledTimes(2);
  });
});
