import { beforeEach, describe, expect, it, vi } from "vitest";
import { createMemoryHistory } from "vue-router";
import { createPinia, setActivePinia } from "pinia";

vi.mock("../../api", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../api")>();
  return { ...actual, api: { appStatus: vi.fn(), currentSession: vi.fn(), signIn: vi.fn() } };
});

import { api, type AppStatus, type Session, type StaffRole } from "../../api";
import { createAppRouter } from "..";

const m = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const status = (setup_required: boolean): AppStatus => ({
  setup_required,
  clinic_name: setup_required ? null : "Sunrise",
  database: { kind: "embedded" },
  database_label: "This computer",
  machine_time_zone: "UTC",
  version: "0.1.0",
});
const as = (role: StaffRole): Session => ({ username: role, full_name: `The ${role}`, role, clinic_name: "Sunrise", idle_lock_minutes: 10 });

async function landOn(path: string) {
  const router = createAppRouter(createMemoryHistory());
  await router.push(path);
  return router.currentRoute.value.name;
}

describe("navigation guard", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
  });

  it("sends everything to the wizard while setup is required", async () => {
    m.appStatus.mockResolvedValue(status(true));
    m.currentSession.mockResolvedValue(null);
    expect(await landOn("/staff")).toBe("setup");
  });

  it("sends signed-out users to sign-in, and keeps them off the wizard after setup", async () => {
    m.appStatus.mockResolvedValue(status(false));
    m.currentSession.mockResolvedValue(null);
    expect(await landOn("/settings")).toBe("signin");
    setActivePinia(createPinia());
    expect(await landOn("/setup")).toBe("signin");
  });

  it("lets admins into Settings but sends reception to Today and doctors to their week", async () => {
    m.appStatus.mockResolvedValue(status(false));
    m.currentSession.mockResolvedValue(as("admin"));
    expect(await landOn("/settings")).toBe("settings");
    for (const [role, home] of [["reception", "today"], ["doctor", "calendar"]] as const) {
      setActivePinia(createPinia());
      m.currentSession.mockResolvedValue(as(role));
      expect(await landOn("/settings")).toBe(home);
      setActivePinia(createPinia());
      expect(await landOn("/staff")).toBe(home);
      setActivePinia(createPinia());
      expect(await landOn("/")).toBe(home);
    }
  });

  it("keeps doctors off booking and lets admins open a doctor's availability", async () => {
    m.appStatus.mockResolvedValue(status(false));
    m.currentSession.mockResolvedValue(as("doctor"));
    expect(await landOn("/book")).toBe("calendar");
    setActivePinia(createPinia());
    expect(await landOn("/patients/12")).toBe("patient");
    setActivePinia(createPinia());
    m.currentSession.mockResolvedValue(as("admin"));
    expect(await landOn("/availability")).toBe("availability");
  });

  it("sends unknown paths and the sign-in page home when signed in", async () => {
    m.appStatus.mockResolvedValue(status(false));
    m.currentSession.mockResolvedValue(as("reception"));
    expect(await landOn("/no/such/page")).toBe("today");
    setActivePinia(createPinia());
    expect(await landOn("/signin")).toBe("today");
  });
});
