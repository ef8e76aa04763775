/** Who is signed in, and whether the clinic still needs its first-run setup. */
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { api, ApiError, type AppStatus, type DemoLogin, type Session, type SetupInput, type StaffRole } from "../api";

export const useSessionStore = defineStore("session", () => {
  const status = ref<AppStatus | null>(null);
  const session = ref<Session | null>(null);
  const restored = ref(false);

  const role = computed<StaffRole | null>(() => session.value?.role ?? null);
  const signedIn = computed(() => session.value !== null);
  const clinicName = computed(() => session.value?.clinic_name ?? status.value?.clinic_name ?? "ClinicDesk");

  async function loadStatus(): Promise<AppStatus> {
    status.value = await api.appStatus();
    return status.value;
  }

  /** Pick up a session that survived a webview reload. Never throws. */
  async function restore(): Promise<Session | null> {
    if (restored.value) return session.value;
    restored.value = true;
    try {
      session.value = await api.currentSession();
    } catch {
      session.value = null;
    }
    return session.value;
  }

  async function signIn(username: string, password: string): Promise<Session> {
    try {
      session.value = await api.signIn(username, password);
      restored.value = true;
      return session.value;
    } catch (e) {
      session.value = null;
      throw ApiError.from(e);
    }
  }

  async function signOut(): Promise<void> {
    try {
      await api.signOut();
    } catch {
      // Signing out locally must always succeed, even if the backend is gone.
    } finally {
      // the locked desk's sign-in form still names the clinic
      const name = session.value?.clinic_name;
      if (name && status.value) status.value = { ...status.value, clinic_name: name };
      session.value = null;
    }
  }

  /** Demo accounts created by the first-run wizard, shown once on the sign-in screen. */
  const demoLogins = ref<DemoLogin[]>([]);

  async function completeSetup(input: SetupInput): Promise<void> {
    const outcome = await api.completeSetup(input);
    demoLogins.value = outcome.demo_logins;
    if (status.value) status.value = { ...status.value, setup_required: false, clinic_name: input.clinic_name };
    else await loadStatus().catch(() => undefined);
  }

  /** Reflect settings changes (clinic name, idle lock) in the header without a re-sign-in. */
  function patchSession(p: Partial<Pick<Session, "clinic_name" | "idle_lock_minutes">>) {
    if (session.value) session.value = { ...session.value, ...p };
  }

  return { status, session, role, signedIn, clinicName, demoLogins, loadStatus, restore, signIn, signOut, completeSetup, patchSession };
});
