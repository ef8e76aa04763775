import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "getSettings", "getDatabaseConfig", "listTimeZones", "setDatabaseConfig", "chooseCaFile", "updateSettings",
    "getWaitAlertMinutes", "setWaitAlertMinutes",
  ]));

import { api, ApiError, type DatabaseConfig } from "../../api";
import { apiMocks } from "../../test/apiMock";
import SettingsPage from "../SettingsPage.vue";

const m = apiMocks(api);

async function mountPage(database: DatabaseConfig) {
  m.getSettings.mockResolvedValue({ clinic_name: "Riverside", time_zone: "Europe/London", idle_lock_minutes: 10 });
  m.getDatabaseConfig.mockResolvedValue(database);
  m.listTimeZones.mockResolvedValue(["Europe/London"]);
  m.getWaitAlertMinutes.mockResolvedValue(20);
  const pinia = createPinia();
  setActivePinia(pinia);
  const w = mount(SettingsPage, {
    attachTo: document.body,
    global: {
      plugins: [pinia, [PrimeVue, { unstyled: true }], ToastService],
      stubs: { NotificationChannels: true, JobTimes: true, ReminderRules: true, BackupsCard: true },
    },
  });
  await flushPromises();
  return w;
}

const server = (over: Partial<Extract<DatabaseConfig, { kind: "server" }>> = {}): DatabaseConfig => ({
  kind: "server", host: "db.clinic.lan", port: 5432, database: "clinicdesk", tls_mode: "verify_full",
  ca_file: "/etc/clinicdesk/clinic-ca.crt", ...over,
});

describe("Settings → Database: verified TLS to a clinic server", () => {
  beforeEach(() => vi.clearAllMocks());

  it("defaults a new server connection to verify-full with a CA file field and no warning", async () => {
    const w = await mountPage({ kind: "embedded" });
    await w.find('[data-testid="db-server"]').setValue(true);
    expect((w.find('[data-testid="db-tls"]').element as HTMLSelectElement).value).toBe("verify_full");
    expect(w.find('[data-testid="db-ca-file"]').exists()).toBe(true);
    expect(w.find('[data-testid="db-tls-warning"]').exists()).toBe(false);

    // no CA file chosen: a field error, nothing sent
    await w.find('[data-testid="db-host"]').setValue("db.clinic.lan");
    await w.findAll("form")[1].trigger("submit");
    await flushPromises();
    expect(m.setDatabaseConfig).not.toHaveBeenCalled();
    const err = w.find("#db-ca_file-error");
    expect(err.text()).toContain("Choose the clinic's CA certificate file");
    expect(err.attributes("role")).toBe("alert");
    w.unmount();
  });

  it("says every wrong field through the form's field errors and puts the cursor in the first one", async () => {
    const w = await mountPage({ kind: "embedded" });
    await w.find('[data-testid="db-server"]').setValue(true);
    await w.find('[data-testid="db-host"]').setValue("  ");
    await w.find('[data-testid="db-port"]').setValue(70000);
    await w.findAll("form")[1].trigger("submit");
    await flushPromises();
    expect(m.setDatabaseConfig).not.toHaveBeenCalled();
    expect(w.find("#db-host-error").text()).toBe("Enter the server's name or address.");
    expect(w.find("#db-port-error").text()).toBe("Enter a port from 1 to 65535.");
    expect(w.find("#db-ca_file-error").exists()).toBe(true);
    expect(document.activeElement).toBe(w.find('[data-testid="db-host"]').element);
    expect(w.find('[data-testid="db-port"]').attributes("aria-describedby")).toBe("db-port-error");

    // the clinic form the same way: the cursor to the idle-lock field when only it is wrong
    await w.find('[data-testid="settings-idle-lock"]').setValue(0);
    await w.findAll("form")[0].trigger("submit");
    await flushPromises();
    expect(m.updateSettings).not.toHaveBeenCalled();
    expect(w.find("#settings-idle_lock_minutes-error").text()).toBe("Enter a whole number of minutes from 1 to 240.");
    expect(document.activeElement).toBe(w.find('[data-testid="settings-idle-lock"]').element);
    w.unmount();
  });

  it("shows the backend's field error on the CA file field (file chosen with Browse…)", async () => {
    const w = await mountPage({ kind: "embedded" });
    await w.find('[data-testid="db-server"]').setValue(true);
    await w.find('[data-testid="db-host"]').setValue("db.clinic.lan");
    m.chooseCaFile.mockResolvedValue("/home/ada/garbage.crt");
    await w.find('[data-testid="db-ca-browse"]').trigger("click");
    await flushPromises();
    expect((w.find('[data-testid="db-ca-file"]').element as HTMLInputElement).value).toBe("/home/ada/garbage.crt");

    const sentence =
      "/home/ada/garbage.crt is not a PEM certificate (a text file starting with -----BEGIN CERTIFICATE-----). " +
      "Choose the clinic's CA certificate, not its key.";
    m.setDatabaseConfig.mockRejectedValue(new ApiError("Validation", sentence, "ca_file"));
    await w.findAll("form")[1].trigger("submit");
    await flushPromises();
    expect(m.setDatabaseConfig).toHaveBeenCalledWith({
      kind: "server", host: "db.clinic.lan", port: 5432, database: "clinicdesk", tls_mode: "verify_full",
      ca_file: "/home/ada/garbage.crt",
    });
    expect(w.find("#db-ca_file-error").text()).toBe(sentence);
    const input = w.find('[data-testid="db-ca-file"]');
    expect(input.attributes("aria-invalid")).toBe("true");
    expect(input.attributes("aria-describedby")).toContain("db-ca_file-error");
    expect(document.activeElement).toBe(input.element);
    expect(w.find('[data-testid="db-error"]').exists()).toBe(false);
    w.unmount();
  });

  it("warns beside the unverified choice and sends no CA file with it", async () => {
    const w = await mountPage({ kind: "embedded" });
    await w.find('[data-testid="db-server"]').setValue(true);
    await w.find('[data-testid="db-host"]').setValue("db.clinic.lan");
    await w.find('[data-testid="db-tls"]').setValue("require");
    const warning = w.find('[data-testid="db-tls-warning"]');
    expect(warning.text()).toContain("any computer on the network can pretend to be the server");
    expect(w.find('[data-testid="db-tls"]').attributes("aria-describedby")).toContain("db-tls-warning");
    expect(w.find('[data-testid="db-ca-file"]').exists()).toBe(false);

    m.setDatabaseConfig.mockResolvedValue({ ok: true, message: "Clinic server db.clinic.lan:5432/clinicdesk answered." });
    await w.findAll("form")[1].trigger("submit");
    await flushPromises();
    expect(m.setDatabaseConfig).toHaveBeenCalledWith(expect.objectContaining({ tls_mode: "require", ca_file: null }));
    w.unmount();
  });

  it("shows an old settings file's require with the warning, and its prefer as an old setting", async () => {
    const w = await mountPage(server({ tls_mode: "require", ca_file: null }));
    expect((w.find('[data-testid="db-tls"]').element as HTMLSelectElement).value).toBe("require");
    expect(w.find('[data-testid="db-tls-warning"]').exists()).toBe(true);
    w.unmount();

    const w2 = await mountPage(server({ tls_mode: "prefer", ca_file: null }));
    const options = w2.findAll('[data-testid="db-tls"] option').map((o) => o.attributes("value"));
    expect(options).toEqual(["verify_full", "require", "prefer"]);
    expect(w2.find('[data-testid="db-tls-warning"]').exists()).toBe(true);
    w2.unmount();

    const w3 = await mountPage(server());
    expect(w3.findAll('[data-testid="db-tls"] option').map((o) => o.attributes("value"))).toEqual(["verify_full", "require"]);
    expect((w3.find('[data-testid="db-ca-file"]').element as HTMLInputElement).value).toBe("/etc/clinicdesk/clinic-ca.crt");
    expect(w3.find('[data-testid="db-tls-warning"]').exists()).toBe(false);
    w3.unmount();
  });
});

describe("Settings → Waiting room", () => {
  beforeEach(() => vi.clearAllMocks());

  it("loads the alert, refuses a bad value beside the field, and shows the backend's field error", async () => {
    const w = await mountPage({ kind: "embedded" });
    const input = w.find('[data-testid="settings-wait-alert"]');
    expect((input.element as HTMLInputElement).value).toBe("20");
    const form = w.findAll("form")[2];
    await input.setValue("0");
    await form.trigger("submit");
    await flushPromises();
    expect(m.setWaitAlertMinutes).not.toHaveBeenCalled();
    expect(input.attributes("aria-invalid")).toBe("true");
    expect(w.text()).toContain("Enter a whole number of minutes from 1 to 240.");

    m.setWaitAlertMinutes.mockRejectedValueOnce(new ApiError("PermissionDenied", "Your role does not allow that."));
    await input.setValue("30");
    await form.trigger("submit");
    await flushPromises();
    expect(m.setWaitAlertMinutes).toHaveBeenCalledWith(30);
    expect(w.text()).toContain("Your role does not allow that.");
    m.setWaitAlertMinutes.mockResolvedValueOnce(30);
    await form.trigger("submit");
    await flushPromises();
    expect((input.element as HTMLInputElement).value).toBe("30");
    expect(input.attributes("aria-invalid")).toBe("false");
    w.unmount();
  });
});
