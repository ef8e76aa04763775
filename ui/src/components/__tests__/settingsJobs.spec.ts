import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount, type VueWrapper } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";
import Select from "primevue/select";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "getChannelSettings", "updateChannelSettings", "sendTestMessage", "getJobSettings", "updateJobSettings",
  ]));

import { api, ApiError, type ChannelSettings, type JobSettings } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { seriousAxeFindings } from "../../test/axe";
import NotificationChannels from "../NotificationChannels.vue";
import JobTimes from "../JobTimes.vue";

const m = apiMocks(api);
const channels = (extra: Partial<ChannelSettings> = {}): ChannelSettings => ({
  smtp_host: "smtp.example.org", smtp_port: 587, smtp_security: "starttls", smtp_username: "clinic", smtp_from: "clinic@example.org",
  has_smtp_password: true, sms_provider: "none", sms_url: "", sms_account_sid: "", sms_from: "", sms_json_template: "",
  has_sms_token: false, has_chat_webhook: true, ...extra,
});
const jobSettings = (extra: Partial<JobSettings> = {}): JobSettings => ({
  same_day_enabled: true, reminder_time: "08:00:00", day_before_enabled: true, day_before_time: "18:30:00", report_time: "06:00:00", cleanup_time: "03:00:00",
  staff_digest_enabled: false, report_recipients: "boss@example.org", auto_no_show: true, no_show_grace_hours: 2,
  prune_sent_after_days: 90, ...extra,
});

async function mountIt(component: object) {
  setActivePinia(createPinia());
  const w = mount(component, {
    attachTo: document.body,
    global: { plugins: [[PrimeVue, { unstyled: true }], ToastService] as never[] },
  });
  await flushPromises();
  return w;
}
const byId = (w: VueWrapper, id: string) => w.find(`#${id}`);
/** The message shown for a field: the element its control's aria-describedby points at. */
function describedText(w: VueWrapper, controlId: string) {
  const ids = (byId(w, controlId).attributes("aria-describedby") ?? "").split(" ").filter(Boolean);
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" | ");
}
async function selectValue(w: VueWrapper, inputId: string, value: unknown) {
  const sel = w.findAllComponents(Select).find((s) => s.props("inputId") === inputId)!;
  sel.vm.$emit("update:modelValue", value);
  await flushPromises();
}

describe("NotificationChannels", () => {
  beforeEach(() => vi.clearAllMocks());

  it("sends saved secrets as null (keep) unless typed or removed, and shows the 'saved' placeholder", async () => {
    m.getChannelSettings.mockResolvedValue(channels());
    m.updateChannelSettings.mockResolvedValue(channels());
    const w = await mountIt(NotificationChannels);
    const pw = byId(w, "channel-smtp_password");
    expect(pw.attributes("placeholder")).toMatch(/saved/i);
    expect(pw.attributes("type")).toBe("password");
    expect(byId(w, "channel-smtp_host").element).toHaveProperty("value", "smtp.example.org");

    await w.find('[data-testid="channels-save"]').trigger("submit");
    await flushPromises();
    expect(m.updateChannelSettings).toHaveBeenLastCalledWith(expect.objectContaining({
      smtp_host: "smtp.example.org", smtp_password: null, sms_token: null, chat_webhook_url: null,
    }));

    await pw.setValue("n3w-secret");
    await w.find('[data-testid="channel-chat_webhook_url-clear"]').trigger("click");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.updateChannelSettings).toHaveBeenLastCalledWith(expect.objectContaining({
      smtp_password: "n3w-secret", sms_token: null, chat_webhook_url: "",
    }));
    // After saving, the typed secret is gone from the form again.
    expect((byId(w, "channel-smtp_password").element as HTMLInputElement).value).toBe("");
    w.unmount();
  });

  it("shows a server field error by its field (and a fieldless one at the top)", async () => {
    m.getChannelSettings.mockResolvedValue(channels());
    m.updateChannelSettings.mockRejectedValueOnce(new ApiError("Validation", "This server name does not resolve.", "smtp_host"));
    const w = await mountIt(NotificationChannels);
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(byId(w, "channel-smtp_host").attributes("aria-invalid")).toBe("true");
    expect(describedText(w, "channel-smtp_host")).toContain("This server name does not resolve.");
    expect(byId(w, "channel-smtp_from").attributes("aria-invalid")).toBeUndefined();

    m.updateChannelSettings.mockRejectedValueOnce(new ApiError("PermissionDenied", "Only administrators can change channels."));
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(w.find('[data-testid="channels-error"]').text()).toBe("Only administrators can change channels.");
    w.unmount();
  });

  it("sends a test email with the form's values and the recipient, and reads out the answer or the reason", async () => {
    m.getChannelSettings.mockResolvedValue(channels());
    m.sendTestMessage.mockResolvedValueOnce("Test email sent to ana@example.org.");
    const w = await mountIt(NotificationChannels);
    await byId(w, "channel-smtp_host").setValue("mail.example.org");
    const send = w.find('[data-testid="channel-test-email"]');

    await send.trigger("click");
    await flushPromises();
    expect(m.sendTestMessage).not.toHaveBeenCalled();
    expect(describedText(w, "channel-test-email-recipient")).toContain("Enter an email address");

    await byId(w, "channel-test-email-recipient").setValue("ana@example.org");
    await send.trigger("click");
    await flushPromises();
    expect(m.sendTestMessage).toHaveBeenCalledWith("email",
      expect.objectContaining({ smtp_host: "mail.example.org", smtp_password: null }), "ana@example.org");
    const status = w.find('[data-testid="channel-test-email-status"]');
    expect(status.attributes("aria-live")).toBe("polite");
    expect(status.text()).toContain("Test email sent to ana@example.org.");

    m.sendTestMessage.mockRejectedValueOnce(new ApiError("Unavailable", "Authentication failed: the server rejected the username or password."));
    await send.trigger("click");
    await flushPromises();
    expect(status.text()).toContain("Authentication failed");
    expect(status.text()).not.toContain("Test email sent");

    // The backend's recipient check lands on the recipient box; a settings field on its own control.
    m.sendTestMessage.mockRejectedValueOnce(new ApiError("Validation", "Test recipient is not an email address.", "test_recipient"));
    await send.trigger("click");
    await flushPromises();
    expect(describedText(w, "channel-test-email-recipient")).toContain("Test recipient is not an email address.");
    m.sendTestMessage.mockRejectedValueOnce(new ApiError("Validation", "Enter the SMTP server's host name.", "smtp_host"));
    await send.trigger("click");
    await flushPromises();
    expect(describedText(w, "channel-smtp_host")).toContain("Enter the SMTP server's host name.");
    expect(status.text()).toContain("Enter the SMTP server's host name.");
    w.unmount();
  });

  it("shows SMS fields for the provider (template only for JSON) and sends chat tests without a recipient", async () => {
    m.getChannelSettings.mockResolvedValue(channels());
    m.sendTestMessage.mockResolvedValue("Posted to Google Chat.");
    const w = await mountIt(NotificationChannels);
    expect(byId(w, "channel-sms_url").exists()).toBe(false);
    await selectValue(w, "channel-sms_provider", "twilio");
    expect(byId(w, "channel-sms_account_sid").exists()).toBe(true);
    expect(byId(w, "channel-sms_json_template").exists()).toBe(false);
    await selectValue(w, "channel-sms_provider", "json");
    expect(byId(w, "channel-sms_account_sid").exists()).toBe(false);
    expect(byId(w, "channel-sms_json_template").exists()).toBe(true);

    expect(byId(w, "channel-test-chat-recipient").exists()).toBe(false);
    await byId(w, "channel-sms_url").setValue("https://gw.example.org/send");
    await byId(w, "channel-sms_json_template").setValue('{"to":"{to}","text":"{text}"}');
    await w.find('[data-testid="channel-test-chat"]').trigger("click");
    await flushPromises();
    expect(m.sendTestMessage).toHaveBeenCalledWith("chat", expect.objectContaining({ sms_provider: "json", chat_webhook_url: null }), "");
    expect(w.find('[data-testid="channel-test-chat-status"]').text()).toContain("Posted to Google Chat.");
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });
});

describe("JobTimes", () => {
  beforeEach(() => vi.clearAllMocks());

  it("shows times as HH:MM and saves them as HH:MM:SS with a tidied recipient list", async () => {
    m.getJobSettings.mockResolvedValue(jobSettings());
    m.updateJobSettings.mockImplementation(async (i: JobSettings) => i);
    const w = await mountIt(JobTimes);
    expect((byId(w, "jobs-day_before_time").element as HTMLInputElement).value).toBe("18:30");
    expect((byId(w, "jobs-day_before_enabled").element as HTMLInputElement).checked).toBe(true);
    expect((byId(w, "jobs-same_day_enabled").element as HTMLInputElement).checked).toBe(true);
    await byId(w, "jobs-same_day_enabled").setValue(false);
    await byId(w, "jobs-reminder_time").setValue("07:45");
    await byId(w, "jobs-report_recipients").setValue(" a@x.org ,, b@y.org ");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.updateJobSettings).toHaveBeenCalledWith(expect.objectContaining({
      reminder_time: "07:45:00", day_before_time: "18:30:00", report_recipients: "a@x.org, b@y.org", no_show_grace_hours: 2,
      same_day_enabled: false,
    }));
    w.unmount();
  });

  it("checks obvious mistakes before calling the backend, and puts server field errors by the field", async () => {
    m.getJobSettings.mockResolvedValue(jobSettings());
    const w = await mountIt(JobTimes);
    await byId(w, "jobs-report_recipients").setValue("boss@example.org, not-an-email");
    await byId(w, "jobs-cleanup_time").setValue("");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.updateJobSettings).not.toHaveBeenCalled();
    expect(describedText(w, "jobs-report_recipients")).toContain("not-an-email");
    expect(byId(w, "jobs-cleanup_time").attributes("aria-invalid")).toBe("true");
    expect(await seriousAxeFindings(w.element)).toEqual([]);

    await byId(w, "jobs-report_recipients").setValue("boss@example.org");
    await byId(w, "jobs-cleanup_time").setValue("03:00");
    m.updateJobSettings.mockRejectedValue(new ApiError("Validation", "Reports must run after the cleanup.", "report_time"));
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.updateJobSettings).toHaveBeenCalled();
    expect(byId(w, "jobs-report_time").attributes("aria-invalid")).toBe("true");
    expect(describedText(w, "jobs-report_time")).toBe("Reports must run after the cleanup.");
    expect(byId(w, "jobs-cleanup_time").attributes("aria-invalid")).toBe("false");
    w.unmount();
  });
});
