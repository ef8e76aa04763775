/** Clinic settings, the database location, and reference lists (time zones). */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type ClinicSettings, type DatabaseCheck, type DatabaseConfig } from "../api";
import { useSessionStore } from "./session";

export const useSettingsStore = defineStore("settings", () => {
  const settings = ref<ClinicSettings | null>(null);
  const database = ref<DatabaseConfig | null>(null);
  const timeZones = ref<string[]>([]);

  async function load() {
    const [s, db] = await Promise.all([api.getSettings(), api.getDatabaseConfig()]);
    settings.value = s;
    database.value = db;
  }

  async function loadTimeZones(): Promise<string[]> {
    if (timeZones.value.length === 0) timeZones.value = await api.listTimeZones();
    return timeZones.value;
  }

  async function save(input: ClinicSettings): Promise<ClinicSettings> {
    const s = await api.updateSettings(input);
    settings.value = s;
    useSessionStore().patchSession({ clinic_name: s.clinic_name, idle_lock_minutes: s.idle_lock_minutes });
    return s;
  }

  async function saveDatabase(config: DatabaseConfig): Promise<DatabaseCheck> {
    const check = await api.setDatabaseConfig(config);
    database.value = config;
    return check;
  }

  /** The file picker for the server's CA certificate; null when the person closes it. */
  function chooseCaFile(): Promise<string | null> {
    return api.chooseCaFile();
  }

  /** Minutes of waiting after which the flow board marks a patient. */
  function waitAlert(): Promise<number> {
    return api.getWaitAlertMinutes();
  }

  function saveWaitAlert(minutes: number): Promise<number> {
    return api.setWaitAlertMinutes(minutes);
  }

  return { settings, database, timeZones, load, loadTimeZones, save, saveDatabase, chooseCaFile, waitAlert, saveWaitAlert };
});
