import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["backupStatus", "updateBackupSettings", "backupNow"]));

import { api, ApiError, type BackupStatus } from "../../api";
import { apiMocks } from "../../test/apiMock";
import BackupsCard from "../BackupsCard.vue";

const m = apiMocks(api);
const status = (over: Partial<BackupStatus> = {}): BackupStatus => ({
  settings: { enabled: true, run_at: "02:00:00", folder: null, keep: 14 },
  folder: "/var/lib/clinicdesk/backups",
  last: null,
  stale: true,
  recent: [],
  ...over,
});

function mountCard() {
  return mount(BackupsCard, { global: { plugins: [PrimeVue, ToastService] }, attachTo: document.body });
}

describe("BackupsCard", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
  });

  it("warns when there is no backup or the last one is old, and not otherwise", async () => {
    m.backupStatus.mockResolvedValue(status());
    const w = mountCard();
    await flushPromises();
    expect(w.find("[data-testid=backup-stale]").text()).toContain("no backup yet");
    w.unmount();

    m.backupStatus.mockResolvedValue(status({
      stale: false,
      last: { id: 1, path: "/b/x.dump", bytes: 4096, started_at: "2026-11-27T02:00:00Z", finished_at: "2026-11-27T02:00:05Z",
        host: "desk-1", trigger: "scheduled", outcome: "ok", error: null },
    }));
    const w2 = mountCard();
    await flushPromises();
    expect(w2.find("[data-testid=backup-stale]").exists()).toBe(false);
    expect(w2.find("[data-testid=backup-last]").text()).toContain("4.0 KB on desk-1");
    w2.unmount();
  });

  it("shows the server's field error for the folder and saves valid settings", async () => {
    m.backupStatus.mockResolvedValue(status());
    const w = mountCard();
    await flushPromises();
    await w.find("[data-testid=backup-folder]").setValue("relative");
    m.updateBackupSettings.mockRejectedValueOnce(new ApiError("Validation", "Enter a full folder path (starting with /).", "folder"));
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(w.find("#backup-folder-error").text()).toContain("full folder path");
    expect(w.find("[data-testid=backup-folder]").attributes("aria-invalid")).toBe("true");

    await w.find("[data-testid=backup-keep]").setValue("0");
    await w.find("form").trigger("submit");
    expect(w.find("#backup-keep-error").text()).toContain("between 1 and 365");
    expect(m.updateBackupSettings).toHaveBeenCalledTimes(1);

    await w.find("[data-testid=backup-keep]").setValue("7");
    await w.find("[data-testid=backup-folder]").setValue("/srv/backups");
    m.updateBackupSettings.mockResolvedValueOnce({ enabled: true, run_at: "02:00:00", folder: "/srv/backups", keep: 7 });
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.updateBackupSettings).toHaveBeenLastCalledWith({ enabled: true, run_at: "02:00:00", folder: "/srv/backups", keep: 7 });
    w.unmount();
  });

  it("Alt+B backs up now", async () => {
    m.backupStatus.mockResolvedValue(status());
    m.backupNow.mockResolvedValue({ path: "/b/c.dump", bytes: 10, kept: 1, pruned: 0 });
    const w = mountCard();
    await flushPromises();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "b", altKey: true }));
    await flushPromises();
    expect(m.backupNow).toHaveBeenCalledTimes(1);
    w.unmount();
  });
});
