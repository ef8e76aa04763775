/** Backups: the last one (and whether it is too old), the daily schedule, and "Back up now". */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type BackupRun, type BackupSettings, type BackupStatus } from "../api";
import { intlTag } from "../i18n/format";

export const useBackupsStore = defineStore("backups", () => {
  const status = ref<BackupStatus | null>(null);
  const running = ref(false);

  async function load(): Promise<BackupStatus> {
    status.value = await api.backupStatus();
    return status.value;
  }

  async function save(input: BackupSettings): Promise<BackupSettings> {
    const saved = await api.updateBackupSettings(input);
    if (status.value) status.value = { ...status.value, settings: saved };
    await load().catch(() => undefined);
    return saved;
  }

  /** Runs a backup now; the status is reloaded whatever happens (a failure is recorded too). */
  async function backUpNow(): Promise<BackupRun> {
    running.value = true;
    try {
      return await api.backupNow();
    } finally {
      running.value = false;
      await load().catch(() => undefined);
    }
  }

  return { status, running, load, save, backUpNow };
});

/** "1.4 MB" for a byte count ("1,4 MB" in Spanish: the decimal mark of the clinic's language). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const num = new Intl.NumberFormat(intlTag(), { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false }).format(v);
  return `${num} ${units[i]}`;
}
