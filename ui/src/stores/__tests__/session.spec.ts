import { beforeEach, describe, expect, it, vi } from "vitest";
import { createPinia, setActivePinia } from "pinia";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["signIn", "signOut", "appStatus", "currentSession", "completeSetup"]));

import { api, ApiError, type Session } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { useSessionStore } from "../session";

const m = apiMocks(api);

const reception: Session = {
  username: "rita",
  full_name: "Rita Desk",
  role: "reception",
  clinic_name: "Sunrise Clinic",
  idle_lock_minutes: 7,
};

describe("session store", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
  });

  it("signIn stores the session and exposes the role", async () => {
    m.signIn.mockResolvedValue(reception);
    const s = useSessionStore();
    expect(s.signedIn).toBe(false);
    await s.signIn("rita", "secret");
    expect(m.signIn).toHaveBeenCalledWith("rita", "secret");
    expect(s.session).toEqual(reception);
    expect(s.role).toBe("reception");
    expect(s.signedIn).toBe(true);
    expect(s.clinicName).toBe("Sunrise Clinic");
  });

  it("signIn failure rejects with the backend's ApiError message and leaves no session", async () => {
    m.signIn.mockRejectedValue(new ApiError("Unauthenticated", "That username and password do not match.", null));
    const s = useSessionStore();
    const err = await s.signIn("rita", "wrong").catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.kind).toBe("Unauthenticated");
    expect(err.message).toBe("That username and password do not match.");
    expect(s.session).toBeNull();
    expect(s.role).toBeNull();
  });

  it("signIn wraps a raw CommandError-shaped rejection into ApiError", async () => {
    m.signIn.mockRejectedValue({ kind: "Unavailable", message: "The clinic server cannot be reached.", field: null });
    const s = useSessionStore();
    const err = await s.signIn("rita", "x").catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe("The clinic server cannot be reached.");
  });

  it("signOut clears the session even if the backend call fails", async () => {
    m.signIn.mockResolvedValue(reception);
    m.signOut.mockRejectedValue(new ApiError("Unavailable", "gone"));
    const s = useSessionStore();
    await s.signIn("rita", "secret");
    await s.signOut();
    expect(m.signOut).toHaveBeenCalledTimes(1);
    expect(s.session).toBeNull();
    expect(s.role).toBeNull();
    expect(s.signedIn).toBe(false);
  });

  it("completeSetup marks setup as done in the cached status", async () => {
    m.appStatus.mockResolvedValue({
      setup_required: true,
      clinic_name: null,
      database: { kind: "embedded" },
      database_label: "This computer",
      machine_time_zone: "Europe/Berlin",
      version: "0.1.0",
    });
    m.completeSetup.mockResolvedValue({
      demo_logins: [{ username: "front.desk", password: "demo-clinic-2026", role: "reception", full_name: "Front Desk" }],
    });
    const s = useSessionStore();
    await s.loadStatus();
    expect(s.status?.setup_required).toBe(true);
    await s.completeSetup({
      clinic_name: "Sunrise",
      time_zone: "Europe/Berlin",
      admin_username: "admin",
      admin_full_name: "Ada Admin",
      admin_password: "a long passphrase",
      load_demo: false,
    });
    expect(s.demoLogins.map((l) => l.username)).toEqual(["front.desk"]);
    expect(s.status?.setup_required).toBe(false);
    expect(s.status?.clinic_name).toBe("Sunrise");
  });
});
