/** Clinic settings, the database location, and reference lists (time zones). */
import { defineStore } from "pinia";
import { computed, ref, watch } from "vue";
import { api, type ClinicSettings, type DatabaseCheck, type DatabaseConfig } from "../api";
import { useSessionStore } from "./session";
import { rememberLocale } from "../i18n/format";

export const useSettingsStore = defineStore("settings", () => {
  const settings = ref<ClinicSettings | null>(null);
  const database = ref<DatabaseConfig | null>(null);
  const timeZones = ref<string[]>([]);
  // whatever the settings say, the whole UI formats and speaks (and this PC remembers it for the sign-in screen)
  watch(settings, (s) => {
    if (s) rememberLocale(s);
  });

  async function load() {
    const [s, db] = await Promise.all([api.getSettings(), api.getDatabaseConfig()]);
    settings.value = s;
    database.value = db;
  }

  /** The clinic's IANA zone: the desk's "today" is the date there (see lib/clinicToday.ts); null until known. */
  const clinicZone = computed(() => settings.value?.time_zone ?? null);

  /**
   * The clinic's settings (every role may read them), for its zone; the shell calls this after each sign-in.
   * Never throws: until it answers, "today" is the PC's own date (the backend still refuses a check-in on another day).
   */
  async function loadClinic(): Promise<void> {
    try {
      settings.value = await api.getSettings();
    } catch {
      // keep what we had; the pages' own loads say what went wrong
    }
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

  return {
    settings, database, timeZones, clinicZone, load, loadClinic, loadTimeZones, save, saveDatabase, chooseCaFile, waitAlert,
    saveWaitAlert,
  };
});
